package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
)

// Two network namespaces, as the scanner reports them (ids are inode
// numbers of the kind the kernel hands out).
const (
	nsWeb   uint64 = 4026532401
	nsShell uint64 = 4026532402
)

// writeV2 creates a history file with schema version 2 (the last before
// namespaces) and the rows an older Portlight left in it: a closed session,
// a session still open (that run crashed) and an alert.
func writeV2(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := append([]string{"PRAGMA journal_mode = WAL"}, migrations[:2]...)
	stmts = append(stmts,
		"INSERT INTO schema_migrations(version, applied_at) VALUES (1, 0), (2, 0)",
		"PRAGMA user_version = 2",
		"INSERT INTO exes(id, path) VALUES (1, '/usr/sbin/nginx')",
		`INSERT INTO sessions(proto, address, port, exposure, exe_id, pid, uid, user, cmdline, owner_hidden,
			start_time, start_kind, first_seen, last_seen, closed_at, end_kind)
			VALUES ('tcp', '0.0.0.0', 8080, 'network', 1, 5, 0, 'root', 'nginx', 0, 0, 'opened', ?1, ?2, ?2, 'closed')`,
		`INSERT INTO sessions(proto, address, port, exposure, exe_id, pid, uid, user, cmdline, owner_hidden,
			start_time, start_kind, first_seen, last_seen)
			VALUES ('tcp', '0.0.0.0', 8080, 'network', 1, 6, 0, 'root', 'nginx', 0, 0, 'opened', ?3, ?4)`,
		`INSERT INTO alerts(time, proto, address, port, exposure, exe_id, pid, user, reasons)
			VALUES (?3, 'tcp', '0.0.0.0', 8080, 'network', 1, 6, 'root', '["reachable from the network"]')`,
	)
	args := []any{ms(t0.Add(-3 * time.Hour)), ms(t0.Add(-2 * time.Hour)), ms(t0.Add(-time.Hour)), ms(t0.Add(-30 * time.Minute))}
	for _, s := range stmts {
		var err error
		if strings.Contains(s, "?") {
			_, err = db.Exec(s, args...)
		} else {
			_, err = db.Exec(s)
		}
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// inner is l moved into namespace id, with its container when c is not nil.
func inner(l monitor.Listener, id uint64, c *monitor.Container) monitor.Listener {
	l.Namespace, l.Container = monitor.Namespace{ID: id}, c
	return l
}

// sessionsOn8080 returns the sessions on 8080/tcp by namespace, newest first.
func sessionsOn8080(t *testing.T, s *Store) map[uint64][]Session {
	t.Helper()
	ss, err := s.Sessions(context.Background(), Query{Port: 8080})
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64][]Session{}
	for _, x := range ss {
		out[x.Listener.Namespace.ID] = append(out[x.Listener.Namespace.ID], x)
	}
	return out
}

// TestNamespacesMigrateRecordRestartQuery: an old file keeps its rows as the
// host's; the same endpoint in two namespaces (one process holding both
// sockets, so only the namespace tells them apart) is two sessions, which
// keep apart when the writer reloads them from the database and across a
// restart; export lines name the namespace and container of inner events
// only.
func TestNamespacesMigrateRecordRestartQuery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	writeV2(t, path)

	s, _ := openTest(t, Options{Path: path})
	if n := count(t, s, "PRAGMA user_version"); n != SchemaVersion || SchemaVersion != 3 {
		t.Fatalf("user_version = %d, SchemaVersion %d; want 3", n, SchemaVersion)
	}
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE netns = 0 AND container IS NULL"); n != 2 {
		t.Fatalf("old sessions as the host's: %d, want 2", n)
	}
	if n := count(t, s, "SELECT count(*) FROM alerts WHERE netns = 0 AND container IS NULL"); n != 1 {
		t.Fatalf("old alerts as the host's: %d, want 1", n)
	}
	old, err := s.Events(ctx, Query{})
	if err != nil || len(old) != 4 { // opened, closed, opened, alert
		t.Fatalf("old events: %d, %v; want 4", len(old), err)
	}
	for _, line := range old {
		b, _ := json.Marshal(line)
		if strings.Contains(string(b), `"namespace"`) || strings.Contains(string(b), `"container"`) || line.Where() != "" {
			t.Errorf("host line names a namespace: %s (%q)", b, line.Where())
		}
	}

	r := startTest(t, s)
	web := &monitor.Container{Engine: "docker", ID: "0123456789abcdef0123", Name: "web"}
	host := listener(8080, "/usr/sbin/nginx", 10)
	host.Address, host.Exposure, host.Inode = "0.0.0.0", monitor.Network, 7001
	// One process (a forwarder, or a program that entered both namespaces)
	// holding the same endpoint in two namespaces.
	a := inner(listener(8080, "/usr/bin/app", 20), nsWeb, web)
	a.Address, a.Exposure, a.Inode = "0.0.0.0", monitor.Network, 7002
	b := inner(a, nsShell, nil)
	b.Inode = 7003
	record(t, r, ev(monitor.Opened, t0, host), ev(monitor.Opened, t0, a), ev(monitor.Opened, t0, b))
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NULL"); n != 3 {
		t.Fatalf("open sessions: %d, want 3 (the crashed run's one closed, three new)", n)
	}

	// A failed transaction makes the writer reload open sessions from the
	// database, without socket inodes: the namespace must come back with them.
	if err := r.w.reload(ctx, s.db); err != nil {
		t.Fatal(err)
	}
	record(t, r,
		ev(monitor.Opened, t0.Add(time.Minute), a), // a stream with a gap: continues a's session
		ev(monitor.Closed, t0.Add(2*time.Minute), b))
	got := sessionsOn8080(t, s)
	if x := got[nsShell]; len(x) != 1 || x[0].EndKind != "closed" || !x[0].ClosedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("namespace %d after reload and close: %+v; want its one session closed", nsShell, x)
	}
	if x := got[nsWeb]; len(x) != 1 || !x[0].ClosedAt.IsZero() || !x[0].FirstSeen.Equal(t0) {
		t.Errorf("namespace %d after reload: %+v; want its one session still open since t0", nsWeb, x)
	} else if c := x[0].Listener.Container; c == nil || *c != *web {
		t.Errorf("namespace %d's container: %+v, want %+v", nsWeb, c, web)
	}
	if x := got[0]; len(x) != 3 || !x[0].ClosedAt.IsZero() || x[0].Listener.PID != 10 {
		t.Errorf("host sessions: %+v; want the new one open and the two old ones", x)
	}
	if !r.RecordAlert("", t0.Add(3*time.Minute), a, []string{"reachable from the network"}) {
		t.Fatal("alert dropped")
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// Restart: a clean stop ends every open session, namespaces included;
	// the next run starts new ones (nothing is continued across a time
	// Portlight did not watch).
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, _ = openTest(t, Options{Path: path})
	r = startTest(t, s)
	record(t, r, ev(monitor.Opened, t0.Add(time.Hour), a), ev(monitor.Opened, t0.Add(time.Hour), b))
	record(t, r, ev(monitor.Closed, t0.Add(2*time.Hour), b))
	got = sessionsOn8080(t, s)
	if x := got[nsWeb]; len(x) != 2 || !x[0].ClosedAt.IsZero() || x[1].EndKind != kindStopped || x[0].Listener.Container == nil {
		t.Errorf("namespace %d after restart: %+v; want a new open session and the stopped one", nsWeb, x)
	}
	if x := got[nsShell]; len(x) != 2 || x[0].EndKind != "closed" || x[1].EndKind != "closed" || x[0].Listener.Container != nil {
		t.Errorf("namespace %d after restart: %+v; want two closed sessions, no container", nsShell, x)
	}
	if x := got[0]; len(x) != 3 || x[0].EndKind != kindStopped {
		t.Errorf("host sessions after restart: %+v", x)
	}

	lines, err := s.Events(ctx, Query{Port: 8080, Since: t0})
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, line := range lines {
		b, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		ns, _ := m["namespace"].(float64)
		c, _ := m["container"].(map[string]any)
		switch line.PID {
		case 10:
			if _, has := m["namespace"]; has || m["container"] != nil {
				t.Errorf("host line has namespace fields: %s", b)
			}
		case 20:
			if uint64(ns) != line.Namespace || c != nil && c["engine"] != "docker" {
				t.Errorf("inner line: %s", b)
			}
		}
		text = append(text, line.Event+" "+line.Where())
	}
	want := []string{
		"opened ", "opened in container web (docker)", "opened in namespace net:[4026532402]",
		"closed in namespace net:[4026532402]", "alert in container web (docker)",
		"opened in container web (docker)", "opened in namespace net:[4026532402]",
		"closed in namespace net:[4026532402]",
	}
	if strings.Join(text, "|") != strings.Join(want, "|") {
		t.Errorf("events:\n%s\nwant\n%s", strings.Join(text, "\n"), strings.Join(want, "\n"))
	}
	if ns := lines[1].Namespace; ns != nsWeb || lines[1].Container == nil || lines[1].Container.ID != web.ID {
		t.Errorf("web's line: namespace %d, container %+v", ns, lines[1].Container)
	}
}

// TestWhere names a container by name, else by short id, else the namespace.
func TestWhere(t *testing.T) {
	for _, tc := range []struct {
		line Line
		want string
	}{
		{Line{}, ""},
		{Line{Container: &monitor.Container{Name: "ignored without a namespace"}}, ""},
		{Line{Namespace: 9}, "in namespace net:[9]"},
		{Line{Namespace: 9, Container: &monitor.Container{Engine: "podman", ID: "0123456789abcdef"}}, "in container 0123456789ab (podman)"},
		{Line{Namespace: 9, Container: &monitor.Container{Engine: "lxc", Name: "dev"}}, "in container dev (lxc)"},
		{Line{Namespace: 9, Container: &monitor.Container{Engine: "docker"}}, "in namespace net:[9]"},
	} {
		if got := tc.line.Where(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.line, got, tc.want)
		}
	}
}
