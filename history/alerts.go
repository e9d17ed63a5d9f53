package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"portlight/monitor"
)

// Action is what the user did with an alert.
type Action string

// Actions on an alert, weakest first: a stronger action replaces a weaker
// one, never the reverse (a notification closed after its explainer was
// opened stays "opened").
const (
	ActionDismissed Action = "dismissed" // closed the notification without acting on it
	ActionOpened    Action = "opened"    // opened the explainer (from the notification or the tray)
	ActionAllowed   Action = "allowed"   // added the listener to the allow-list
)

// strength orders actions (see the constants); 0 for an unknown one.
func (a Action) strength() int {
	switch a {
	case ActionDismissed:
		return 1
	case ActionOpened:
		return 2
	case ActionAllowed:
		return 3
	}
	return 0
}

// RecordAlert stores an alert raised at t for l with the policy's reasons and
// returns its id, for MarkAlertAction. It writes synchronously and may wait
// up to the busy timeout for another writer: the resident queues its alerts
// through Recorder.RecordAlert instead.
func (s *Store) RecordAlert(ctx context.Context, t time.Time, l monitor.Listener, reasons []string) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history: record alert: %w", err)
	}
	defer tx.Rollback()
	id, err := insertAlert(ctx, tx, alertRow{t: t, l: l, reasons: reasons})
	if err != nil {
		return 0, fmt.Errorf("history: record alert: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history: record alert: %w", err)
	}
	return id, nil
}

// alertRow is an alert waiting to be written.
type alertRow struct {
	key     string // the recorder's caller's name for it, "" for none
	t       time.Time
	l       monitor.Listener
	reasons []string
}

// insertAlert writes one alert inside tx and returns its id.
func insertAlert(ctx context.Context, tx *sql.Tx, a alertRow) (int64, error) {
	reasons := a.reasons
	if reasons == nil {
		reasons = []string{}
	}
	rs, err := json.Marshal(reasons)
	if err != nil {
		return 0, err
	}
	l := a.l
	exe, err := exeID(ctx, tx, l.Exe)
	if err != nil {
		return 0, err
	}
	netns, container := nsColumns(l)
	res, err := tx.ExecContext(ctx, `INSERT INTO alerts(time, proto, address, port, exposure, exe_id, pid, user, reasons,
		netns, container) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ms(a.t), string(l.Proto), l.Address, int(l.Port), string(l.Exposure), exe, l.PID, l.User, string(rs),
		netns, container)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// MarkAlertAction records what the user did with alert id; an action
// weaker than the one already recorded is ignored (see Action).
func (s *Store) MarkAlertAction(ctx context.Context, id int64, a Action) error {
	if a.strength() == 0 {
		return fmt.Errorf("history: unknown alert action %q", a)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("history: mark alert %d: %w", id, err)
	}
	defer tx.Rollback()
	if err := markAlert(ctx, tx, id, a, s.opts.Now()); err != nil {
		return fmt.Errorf("history: mark alert %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: mark alert %d: %w", id, err)
	}
	return nil
}

// errNoAlert means the alert to mark is not in the store (never written,
// or purged).
var errNoAlert = errors.New("no such alert (purged?)")

// markAlert records action a, taken at t, on alert id inside tx, unless a
// stronger one is recorded already.
func markAlert(ctx context.Context, tx *sql.Tx, id int64, a Action, t time.Time) error {
	var prev sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT action FROM alerts WHERE id = ?", id).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoAlert
	}
	if err != nil {
		return err
	}
	if prev.Valid && Action(prev.String).strength() >= a.strength() {
		return nil
	}
	_, err = tx.ExecContext(ctx, "UPDATE alerts SET action = ?, action_time = ? WHERE id = ?", string(a), ms(t), id)
	return err
}
