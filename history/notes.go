package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Events Portlight records about itself, not about a listener: their Line
// has no port, address or program, and its Reasons say what happened.
const (
	// EventSettingsChanged is a change of the allow-list, triggers,
	// ignore switches or snoozes made outside Portlight (a hand edit, or
	// another program): Reasons list the changes.
	EventSettingsChanged = "settings_changed"
	// EventNotWatching is a time Portlight was not watching: Time is its
	// start, Until its end, Reasons say why.
	EventNotWatching = "not_watching"
)

// Note is an event Portlight records about itself.
type Note struct {
	// Kind is EventSettingsChanged or EventNotWatching.
	Kind string
	// Time is when it happened; for a gap, when it began.
	Time time.Time
	// Until is a gap's end; zero otherwise.
	Until time.Time
	// Lines say what changed, or why Portlight was not watching.
	Lines []string
}

// RecordNote queues a note for writing and returns at once, like
// RecordAlert; it returns whether it was queued.
func (r *Recorder) RecordNote(n Note) bool {
	n.Lines = slices.Clone(n.Lines)
	return r.queue(batch{note: &n})
}

// insertNote writes one note inside tx.
func insertNote(ctx context.Context, tx *sql.Tx, n Note) error {
	lines := n.Lines
	if lines == nil {
		lines = []string{}
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return err
	}
	var until any
	if !n.Until.IsZero() {
		until = ms(n.Until)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO notes(time, until, kind, lines) VALUES (?, ?, ?, ?)",
		ms(n.Time), until, n.Kind, string(b))
	return err
}

// noteLines reads the last q.Limit notes, newest first, as export lines.
// Notes belong to no port or program: a query by port, protocol or
// program has none.
func (s *Store) noteLines(ctx context.Context, q Query) ([]Line, error) {
	if q.Port != 0 || q.Proto != "" || q.Exe != "" {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx,
		"SELECT time, coalesce(until, 0), kind, lines FROM notes WHERE time >= ? ORDER BY time DESC LIMIT ?",
		ms(q.Since), q.limit())
	if err != nil {
		return nil, wrapQuery(err)
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var t, until int64
		var lines string
		line := Line{Host: s.host}
		if err := rows.Scan(&t, &until, &line.Event, &lines); err != nil {
			return nil, wrapQuery(err)
		}
		line.Time = fromMS(t)
		if until != 0 {
			line.Until = fromMS(until)
		}
		if err := json.Unmarshal([]byte(lines), &line.Reasons); err != nil || line.Reasons == nil {
			line.Reasons = []string{}
		}
		out = append(out, line)
	}
	return out, wrapQuery(rows.Err())
}

// Notes returns the notes of kind ("" for all) since a time, oldest first:
// for tests and the CLI.
func (s *Store) Notes(ctx context.Context, kind string, since time.Time) ([]Note, error) {
	lines, err := s.noteLines(ctx, Query{Since: since, Limit: 1 << 20})
	if err != nil {
		return nil, fmt.Errorf("history: notes: %w", err)
	}
	var out []Note
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if kind == "" || l.Event == kind {
			out = append(out, Note{Kind: l.Event, Time: l.Time, Until: l.Until, Lines: l.Reasons})
		}
	}
	return out, nil
}
