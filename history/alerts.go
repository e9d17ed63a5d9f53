package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"portlight/monitor"
)

// Action is what the user did with an alert.
type Action string

// Actions on an alert.
const (
	ActionOpened    Action = "opened"    // opened the explainer from the notification
	ActionAllowed   Action = "allowed"   // added the listener to the allow-list
	ActionDismissed Action = "dismissed" // closed the notification
)

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
	res, err := tx.ExecContext(ctx, `INSERT INTO alerts(time, proto, address, port, exposure, exe_id, pid, user, reasons)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ms(a.t), string(l.Proto), l.Address, int(l.Port), string(l.Exposure), exe, l.PID, l.User, string(rs))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// MarkAlertAction records what the user did with alert id (the last action wins).
func (s *Store) MarkAlertAction(ctx context.Context, id int64, a Action) error {
	switch a {
	case ActionOpened, ActionAllowed, ActionDismissed:
	default:
		return fmt.Errorf("history: unknown alert action %q", a)
	}
	res, err := s.db.ExecContext(ctx, "UPDATE alerts SET action = ?, action_time = ? WHERE id = ?",
		string(a), ms(s.opts.Now()), id)
	if err != nil {
		return fmt.Errorf("history: mark alert %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("history: mark alert %d: no such alert (purged?)", id)
	}
	return nil
}
