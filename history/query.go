package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"portlight/monitor"
)

// DefaultLimit is how many events a query returns when Query.Limit is 0.
const DefaultLimit = 100

// Query selects events or sessions. Zero fields do not filter.
type Query struct {
	Port  uint16
	Proto monitor.Proto
	Exe   string
	Since time.Time
	// Limit is the maximum number of results, the most recent ones (DefaultLimit when 0).
	Limit int
}

func (q Query) limit() int {
	if q.Limit <= 0 {
		return DefaultLimit
	}
	return q.Limit
}

// Session is one stored listener lifetime.
type Session struct {
	ID        int64
	Listener  monitor.Listener
	FirstSeen time.Time
	LastSeen  time.Time
	// ClosedAt is zero while the session is open.
	ClosedAt time.Time
	// StartKind is opened or owner_changed; EndKind is closed, owner_changed,
	// stopped (Portlight stopped watching) or "" while open.
	StartKind   string
	EndKind     string
	PreviousExe string
}

// stream is one source of events: session starts, session ends, or alerts.
// Each is read newest first through the index that fits the filter, with the
// query's limit, and the three are merged: the last N events overall are
// among the last N of each stream.
type stream struct {
	table   string            // FROM clause with alias
	timeCol string            // the event time column
	index   map[string]string // index to use for "port", "exe", "" filters
	where   string            // the stream's own condition
}

var (
	startStream = stream{table: "sessions s", timeCol: "s.first_seen",
		index: map[string]string{"port": "sessions_port_first", "exe": "sessions_exe_first", "": "sessions_first"}}
	endStream = stream{table: "sessions s", timeCol: "s.closed_at",
		index: map[string]string{"port": "sessions_port_close", "exe": "sessions_exe_close", "": "sessions_closed"},
		where: "s.closed_at IS NOT NULL AND s.end_kind = 'closed'"}
	alertStream = stream{table: "alerts a", timeCol: "a.time",
		index: map[string]string{"port": "alerts_port", "exe": "alerts_exe", "": "alerts_time"}}
)

const sessionCols = `s.id, s.proto, s.address, s.port, s.exposure, e.path, s.pid, s.uid, s.user, s.cmdline,
	s.owner_hidden, s.start_time, s.start_kind, coalesce(p.path, ''), s.first_seen, s.last_seen,
	coalesce(s.closed_at, 0), coalesce(s.end_kind, ''), s.netns, s.container`

const alertCols = `a.time, a.proto, a.address, a.port, a.exposure, e.path, a.pid, a.user, a.reasons,
	coalesce(a.action, ''), a.netns, a.container`

// sql builds the stream's query for q, forcing the index that fits the
// filter so that the plan is an index walk newest first, stopping at the limit.
func (st stream) sql(q Query, exeID int64, cols string) (string, []any) {
	alias := st.table[len(st.table)-1:]
	filter := ""
	if q.Port != 0 {
		filter = "port"
	} else if q.Exe != "" {
		filter = "exe"
	}
	var conds []string
	var args []any
	if st.where != "" {
		conds = append(conds, st.where)
	}
	if q.Port != 0 {
		conds = append(conds, alias+".port = ?")
		args = append(args, int(q.Port))
	}
	if q.Proto != "" {
		conds = append(conds, alias+".proto = ?")
		args = append(args, string(q.Proto))
	}
	if q.Exe != "" {
		conds = append(conds, alias+".exe_id = ?")
		args = append(args, exeID)
	}
	if !q.Since.IsZero() {
		conds = append(conds, st.timeCol+" >= ?")
		args = append(args, ms(q.Since))
	}
	join := "JOIN exes e ON e.id = " + alias + ".exe_id"
	if alias == "s" {
		join += " LEFT JOIN exes p ON p.id = s.prev_exe_id"
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	query := fmt.Sprintf("SELECT %s FROM %s INDEXED BY %s %s %s ORDER BY %s DESC LIMIT ?",
		cols, st.table, st.index[filter], join, where, st.timeCol)
	return query, append(args, q.limit())
}

// lookupExe finds an executable's id; ok is false when it was never seen.
func (s *Store) lookupExe(ctx context.Context, path string) (id int64, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, "SELECT id FROM exes WHERE path = ?", path).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// exeFilter resolves q.Exe to its id (0 when q has no Exe); none is true when
// q names an executable the history never saw, so nothing can match.
func (s *Store) exeFilter(ctx context.Context, q Query) (id int64, none bool, err error) {
	if q.Exe == "" {
		return 0, false, nil
	}
	id, ok, err := s.lookupExe(ctx, q.Exe)
	if err != nil {
		return 0, true, wrapQuery(err)
	}
	return id, !ok, nil
}

// Sessions returns the sessions matching q, most recently started first.
func (s *Store) Sessions(ctx context.Context, q Query) ([]Session, error) {
	exeID, none, err := s.exeFilter(ctx, q)
	if none || err != nil {
		return nil, err
	}
	query, args := startStream.sql(q, exeID, sessionCols)
	return s.sessions(ctx, query, args)
}

func (s *Store) sessions(ctx context.Context, query string, args []any) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapQuery(err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var ss Session
		l := &ss.Listener
		var proto, exposure string
		var port int
		var start, first, last, closed, netns int64
		var container sql.NullString
		if err := rows.Scan(&ss.ID, &proto, &l.Address, &port, &exposure, &l.Exe, &l.PID, &l.UID, &l.User,
			&l.Cmdline, &l.OwnerHidden, &start, &ss.StartKind, &ss.PreviousExe, &first, &last,
			&closed, &ss.EndKind, &netns, &container); err != nil {
			return nil, wrapQuery(err)
		}
		l.Namespace, l.Container = nsFromColumns(netns, container)
		l.Proto, l.Port, l.Exposure = monitor.Proto(proto), uint16(port), monitor.Exposure(exposure)
		if start != 0 {
			l.StartTime = fromMS(start)
		}
		ss.FirstSeen, ss.LastSeen = fromMS(first), fromMS(last)
		if closed != 0 {
			ss.ClosedAt = fromMS(closed)
		}
		out = append(out, ss)
	}
	return out, wrapQuery(rows.Err())
}

// Events returns the last q.Limit events matching q (session starts and ends,
// alerts, and Portlight's notes about itself), oldest first, as export lines.
func (s *Store) Events(ctx context.Context, q Query) ([]Line, error) {
	exeID, none, err := s.exeFilter(ctx, q)
	if none || err != nil {
		return nil, err
	}
	var lines []Line
	for _, st := range []stream{startStream, endStream} {
		query, args := st.sql(q, exeID, sessionCols)
		ss, err := s.sessions(ctx, query, args)
		if err != nil {
			return nil, err
		}
		for _, x := range ss {
			lines = append(lines, s.sessionLine(x, st.timeCol == "s.closed_at"))
		}
	}
	alerts, err := s.alertLines(ctx, q, exeID)
	if err != nil {
		return nil, err
	}
	lines = append(lines, alerts...)
	notes, err := s.noteLines(ctx, q)
	if err != nil {
		return nil, err
	}
	lines = append(lines, notes...)
	// Newest first, cut to the limit, then oldest first for reading.
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.After(lines[j].Time) })
	if len(lines) > q.limit() {
		lines = lines[:q.limit()]
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	return lines, nil
}

// sessionLine is the start (or, when end, the end) of a session as a line.
func (s *Store) sessionLine(x Session, end bool) Line {
	l := x.Listener
	line := Line{Time: x.FirstSeen, Host: s.host, Event: x.StartKind, Proto: l.Proto, Port: l.Port,
		Address: l.Address, Exposure: l.Exposure, Exe: l.Exe, User: l.User, PID: l.PID, Reasons: []string{}}
	if end {
		line.Time, line.Event = x.ClosedAt, x.EndKind
	} else if x.StartKind == kindOwnerChanged {
		line.PreviousExe = x.PreviousExe
	}
	if l.Namespace.Inner() {
		line.Namespace, line.Container = l.Namespace.ID, l.Container
	}
	return line
}

// alertLines reads the alert stream.
func (s *Store) alertLines(ctx context.Context, q Query, exeID int64) ([]Line, error) {
	query, args := alertStream.sql(q, exeID, alertCols)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapQuery(err)
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		line := Line{Host: s.host, Event: EventAlert, Alert: true}
		var t int64
		var proto, exposure, reasons string
		var port int
		var netns int64
		var container sql.NullString
		if err := rows.Scan(&t, &proto, &line.Address, &port, &exposure, &line.Exe, &line.PID, &line.User,
			&reasons, &line.Action, &netns, &container); err != nil {
			return nil, wrapQuery(err)
		}
		if ns, c := nsFromColumns(netns, container); ns.Inner() {
			line.Namespace, line.Container = ns.ID, c
		}
		line.Time, line.Proto, line.Port, line.Exposure = fromMS(t), monitor.Proto(proto), uint16(port), monitor.Exposure(exposure)
		if err := json.Unmarshal([]byte(reasons), &line.Reasons); err != nil || line.Reasons == nil {
			line.Reasons = []string{}
		}
		out = append(out, line)
	}
	return out, wrapQuery(rows.Err())
}

func wrapQuery(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("history: query: %w", err)
}
