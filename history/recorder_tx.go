package history

// One transaction of the recorder: a batch of events, alerts, actions and
// notes, written together.

import (
	"context"
	"errors"
	"fmt"

	"portlight/monitor"
)

// write applies events, stores alerts and then the actions on them (which
// were queued after their alerts), and notes, in one transaction.
// It returns how many actions found no alert to mark.
func (r *Recorder) write(ctx context.Context, events []monitor.Event, alerts []alertRow, marks []markRow, notes []Note) (lost int, err error) {
	tx, err := r.s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history: begin: %w", err)
	}
	defer tx.Rollback()
	for _, e := range events {
		if err := r.w.apply(ctx, tx, e); err != nil {
			return 0, fmt.Errorf("history: record %s %s: %w", e.Kind, e.Listener.Key(), err)
		}
	}
	// The rows of this transaction's keyed alerts count only once it commits.
	var added map[string]int64
	for _, a := range alerts {
		id, err := insertAlert(ctx, tx, a)
		if err != nil {
			return 0, fmt.Errorf("history: record alert on %s: %w", a.l.Key(), err)
		}
		if a.key != "" {
			if added == nil {
				added = map[string]int64{}
			}
			added[a.key] = id
		}
	}
	for _, m := range marks {
		id, ok := added[m.key]
		if !ok {
			id, ok = r.keyed.get(m.key)
		}
		err := errNoAlert
		if ok {
			err = markAlert(ctx, tx, id, m.action, m.t)
		}
		if errors.Is(err, errNoAlert) {
			// Its alert was dropped, purged or raised before a restart:
			// nothing to mark, and no reason to lose the rest.
			lost++
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("history: mark alert %s: %w", m.action, err)
		}
	}
	for _, n := range notes {
		if err := insertNote(ctx, tx, n); err != nil {
			return 0, fmt.Errorf("history: record %s: %w", n.Kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history: commit: %w", err)
	}
	for _, a := range alerts { // in order: a later alert takes its key over
		if a.key != "" {
			r.keyed.put(a.key, added[a.key])
		}
	}
	// The owners of these ports may have changed: forget cached answers.
	if len(events) > 0 {
		ports := make(map[portKey]struct{}, len(events))
		for _, e := range events {
			ports[portKey{e.Listener.Port, e.Listener.Proto}] = struct{}{}
		}
		r.s.owners.forget(ports)
	}
	return lost, nil
}
