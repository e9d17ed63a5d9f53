package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"portlight/monitor"
)

// How a session started or ended, as stored in start_kind and end_kind.
const (
	kindOpened       = string(monitor.Opened)
	kindClosed       = string(monitor.Closed)
	kindOwnerChanged = string(monitor.OwnerChanged)
	// kindStopped ends a session that was open when Portlight stopped
	// watching (quit, or crashed: closed at its last_seen on the next start).
	kindStopped = "stopped"
)

// maxCmdline bounds a stored command line; some (Java class paths) run to
// hundreds of kilobytes and would eat the size budget.
const maxCmdline = 2048

// openSession is the writer's memory of a session still open in the database.
type openSession struct {
	id    int64
	l     monitor.Listener
	first time.Time
}

// sessionKey identifies one socket held by one owner: several sockets may
// share an endpoint (5353/udp held by avahi, Chrome and Spotify at once;
// SO_REUSEPORT), and each is a session of its own. The endpoint is
// Listener.Key; the socket is its inode (0 when the source cannot tell)
// and the owner its pid and start time, which also tell apart sockets
// without an inode. monitor.Diff matches sockets the same way.
type sessionKey struct {
	endpoint string
	inode    uint64
	pid      int32
	start    int64 // the owner's start time, Unix ms; 0 when unknown
}

func keyOf(l monitor.Listener) sessionKey {
	var start int64
	if !l.StartTime.IsZero() {
		start = ms(l.StartTime)
	}
	return sessionKey{endpoint: l.Key(), inode: l.Inode, pid: l.PID, start: start}
}

// writer turns events into session rows. Only the recorder's goroutine uses
// it, inside its transactions; open mirrors the database's open sessions.
type writer struct {
	open map[sessionKey]openSession
}

func newWriter() *writer { return &writer{open: map[sessionKey]openSession{}} }

// find returns the open session of l's socket. Sessions read back from the
// database (reload) have no inode: l's socket may be one of them.
func (w *writer) find(l monitor.Listener) (openSession, bool) {
	k := keyOf(l)
	if o, ok := w.open[k]; ok {
		return o, true
	}
	if k.inode != 0 {
		k.inode = 0
		o, ok := w.open[k]
		return o, ok
	}
	return openSession{}, false
}

// only returns the single session open on l's endpoint, false when there
// is none or several.
func (w *writer) only(l monitor.Listener) (openSession, bool) {
	var found openSession
	n := 0
	ep := l.Key()
	for k, o := range w.open {
		if k.endpoint == ep {
			found = o
			n++
		}
	}
	return found, n == 1
}

// apply records one event; events are matched to sessions by socket and
// owner (sessionKey), so sockets sharing an endpoint keep sessions of their
// own. Streams with gaps (dropped batches, a monitor restarted without its
// history) are tolerated: an "opened" for a socket already open continues
// that session, and a "closed" for an unknown socket is ignored. (An
// "opened" by another owner on an open endpoint is a second socket, not a
// missed close: it does not end the first one's session.)
func (w *writer) apply(ctx context.Context, tx *sql.Tx, e monitor.Event) error {
	l := e.Listener
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	switch e.Kind {
	case monitor.Opened:
		if _, ok := w.find(l); ok {
			return nil
		}
		return w.start(ctx, tx, l, t, kindOpened, "")
	case monitor.Closed:
		o, ok := w.find(l)
		if !ok {
			return nil
		}
		return w.close(ctx, tx, o, t, kindClosed)
	case monitor.OwnerChanged:
		// The session that ends is the previous owner's socket; without
		// one, the endpoint's only session, if it has exactly one.
		prev := ""
		var o openSession
		var ok bool
		if e.Previous != nil {
			prev = e.Previous.Exe
			o, ok = w.find(*e.Previous)
		} else {
			o, ok = w.only(l)
		}
		if ok {
			prev = o.l.Exe
			if err := w.close(ctx, tx, o, t, kindOwnerChanged); err != nil {
				return err
			}
		}
		if _, ok := w.find(l); ok {
			return nil // already recorded as open
		}
		return w.start(ctx, tx, l, t, kindOwnerChanged, prev)
	}
	return fmt.Errorf("unknown event kind %q", e.Kind)
}

// start inserts a new open session and counts it for its owner.
func (w *writer) start(ctx context.Context, tx *sql.Tx, l monitor.Listener, t time.Time, kind, prevExe string) error {
	exe, err := exeID(ctx, tx, l.Exe)
	if err != nil {
		return err
	}
	var prevID sql.NullInt64
	if kind == kindOwnerChanged {
		id, err := exeID(ctx, tx, prevExe)
		if err != nil {
			return err
		}
		prevID = sql.NullInt64{Int64: id, Valid: true}
	}
	var start int64
	if !l.StartTime.IsZero() {
		start = ms(l.StartTime)
	}
	cmd := l.Cmdline
	if len(cmd) > maxCmdline {
		cmd = cmd[:maxCmdline]
	}
	netns, container := nsColumns(l)
	res, err := tx.ExecContext(ctx, `INSERT INTO sessions(proto, address, port, exposure, exe_id, pid, uid, user,
		cmdline, owner_hidden, start_time, start_kind, prev_exe_id, first_seen, last_seen, netns, container)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(l.Proto), l.Address, int(l.Port), string(l.Exposure), exe, l.PID, l.UID, l.User,
		cmd, l.OwnerHidden, start, kind, prevID, ms(t), ms(t), netns, container)
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	if owned(l) {
		// One process is one session of its executable on a port, however
		// many sockets it holds there (SO_REUSEPORT, one per address):
		// three sockets from one run must not make it a usual owner.
		more, err := sameProcessBefore(ctx, tx, l, exe, id)
		if err != nil {
			return err
		}
		n := 1
		if more {
			n = 0
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO owners(port, proto, exe_id, sessions, held_ms, first_seen, last_seen)
			VALUES (?, ?, ?, ?, 0, ?, ?)
			ON CONFLICT(port, proto, exe_id) DO UPDATE SET sessions = sessions + excluded.sessions,
				last_seen = max(last_seen, excluded.last_seen)`,
			int(l.Port), string(l.Proto), exe, n, ms(t), ms(t)); err != nil {
			return fmt.Errorf("count owner: %w", err)
		}
	}
	w.open[keyOf(l)] = openSession{id: id, l: l, first: t}
	return nil
}

// close ends an open session at t and adds its held time to its owner.
func (w *writer) close(ctx context.Context, tx *sql.Tx, o openSession, t time.Time, kind string) error {
	delete(w.open, keyOf(o.l))
	return closeSession(ctx, tx, o.id, o.l, o.first, t, kind)
}

// closeSession ends session id at t and adds first..t to its owner's held time.
func closeSession(ctx context.Context, tx *sql.Tx, id int64, l monitor.Listener, first, t time.Time, kind string) error {
	if t.Before(first) {
		t = first
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sessions SET closed_at = ?, last_seen = ?, end_kind = ? WHERE id = ?",
		ms(t), ms(t), kind, id); err != nil {
		return fmt.Errorf("close session: %w", err)
	}
	if !owned(l) {
		return nil
	}
	exe, err := exeID(ctx, tx, l.Exe)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO owners(port, proto, exe_id, sessions, held_ms, first_seen, last_seen)
		VALUES (?, ?, ?, 0, ?, ?, ?)
		ON CONFLICT(port, proto, exe_id) DO UPDATE SET held_ms = held_ms + excluded.held_ms,
			last_seen = max(last_seen, excluded.last_seen)`,
		int(l.Port), string(l.Proto), exe, ms(t)-ms(first), ms(first), ms(t)); err != nil {
		return fmt.Errorf("add owner time: %w", err)
	}
	return nil
}

// sameProcessBefore reports whether the process owning l (executable, pid
// and start time) already had another session on l's port and protocol,
// besides session id. With a known start time only sessions since then are
// looked at (sessions_port_first covers the range); without one, the pid
// alone identifies the process.
func sameProcessBefore(ctx context.Context, tx *sql.Tx, l monitor.Listener, exe, id int64) (bool, error) {
	var start int64
	if !l.StartTime.IsZero() {
		start = ms(l.StartTime)
	}
	var found bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM sessions INDEXED BY sessions_port_first
		WHERE port = ? AND first_seen >= ? AND proto = ? AND exe_id = ? AND pid = ? AND start_time = ? AND id != ?)`,
		int(l.Port), start, string(l.Proto), exe, l.PID, start, id).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("count owner: %w", err)
	}
	return found, nil
}

// owned reports whether a listener's owner is known well enough to count
// towards a port's usual owners.
func owned(l monitor.Listener) bool { return !l.OwnerHidden && l.Exe != "" }

// exeID returns the id of an executable path, adding it when new. It is not
// cached: the purger may delete unreferenced paths between transactions.
func exeID(ctx context.Context, tx *sql.Tx, path string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM exes WHERE path = ?", path).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find exe: %w", err)
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO exes(path) VALUES (?)", path)
	if err != nil {
		return 0, fmt.Errorf("add exe: %w", err)
	}
	return res.LastInsertId()
}

// closeAll ends every session open in the database at its own last_seen (or
// at t when t is not zero), as "stopped": Portlight no longer watches them.
// Used at start (sessions left by a crash) and at a clean stop.
func (s *Store) closeAll(ctx context.Context, t time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("history: close open sessions: %w", err)
	}
	defer tx.Rollback()
	open, err := openSessions(ctx, tx)
	if err != nil {
		return 0, fmt.Errorf("history: close open sessions: %w", err)
	}
	for _, o := range open {
		end := o.last
		if !t.IsZero() {
			end = t
		}
		if err := closeSession(ctx, tx, o.id, o.l, o.first, end, kindStopped); err != nil {
			return 0, fmt.Errorf("history: close open sessions: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("history: close open sessions: %w", err)
	}
	s.owners.forget(nil)
	return len(open), nil
}

// storedOpen is an open session as read back from the database.
type storedOpen struct {
	openSession
	last time.Time
}

// openSessions reads the sessions still open.
func openSessions(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]storedOpen, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.proto, s.address, s.port, s.exposure, e.path, s.pid, s.uid,
		s.user, s.cmdline, s.owner_hidden, s.start_time, s.first_seen, s.last_seen, s.netns, s.container
		FROM sessions s INDEXED BY sessions_open JOIN exes e ON e.id = s.exe_id
		WHERE s.closed_at IS NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedOpen
	for rows.Next() {
		var o storedOpen
		var proto, exposure string
		var port int
		var start, first, last, netns int64
		var container sql.NullString
		if err := rows.Scan(&o.id, &proto, &o.l.Address, &port, &exposure, &o.l.Exe, &o.l.PID, &o.l.UID,
			&o.l.User, &o.l.Cmdline, &o.l.OwnerHidden, &start, &first, &last, &netns, &container); err != nil {
			return nil, err
		}
		// The namespace is part of the listener's key: a session reloaded
		// without it would not match its socket's events again.
		o.l.Namespace, o.l.Container = nsFromColumns(netns, container)
		o.l.Proto, o.l.Port, o.l.Exposure = monitor.Proto(proto), uint16(port), monitor.Exposure(exposure)
		if start != 0 {
			o.l.StartTime = fromMS(start)
		}
		o.first, o.last = fromMS(first), fromMS(last)
		out = append(out, o)
	}
	return out, rows.Err()
}

// reload makes the writer's memory match the database after a failed
// transaction rolled back some of its changes.
func (w *writer) reload(ctx context.Context, db *sql.DB) error {
	open, err := openSessions(ctx, db)
	if err != nil {
		return err
	}
	w.open = make(map[sessionKey]openSession, len(open))
	for _, o := range open {
		w.open[keyOf(o.l)] = o.openSession // without its inode: see find
	}
	return nil
}

// touch sets last_seen of every open session to t: the cheap way to keep
// last_seen fresh (once a minute, not once a scan).
func (s *Store) touch(ctx context.Context, t time.Time) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE sessions SET last_seen = ? WHERE closed_at IS NULL AND last_seen < ?",
		ms(t), ms(t)); err != nil {
		return fmt.Errorf("history: touch open sessions: %w", err)
	}
	return nil
}
