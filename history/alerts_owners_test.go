package history

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
)

func TestAlertsAndActions(t *testing.T) {
	s, _ := openTest(t, Options{})
	ctx := context.Background()
	l := listener(2476, "/tmp/x", 77)
	id, err := s.RecordAlert(ctx, t0, l, []string{"unassigned port", "listens on the network"})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.RecordAlert(ctx, t0.Add(time.Minute), listener(2477, "/tmp/y", 78), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAlertAction(ctx, id, ActionAllowed); err != nil {
		t.Fatal(err)
	}
	// A weaker action later (the notification closed after the allow)
	// does not replace it.
	if err := s.MarkAlertAction(ctx, id, ActionDismissed); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAlertAction(ctx, id2, "ignored"); err == nil {
		t.Error("unknown action accepted")
	}
	if err := s.MarkAlertAction(ctx, id2+100, ActionDismissed); err == nil {
		t.Error("marking a missing alert succeeded")
	}
	lines, err := s.Events(ctx, Query{Port: 2476})
	if err != nil || len(lines) != 1 {
		t.Fatalf("alerts on 2476: %+v, %v", lines, err)
	}
	a := lines[0]
	if a.Event != EventAlert || !a.Alert || a.Action != "allowed" || a.Exe != "/tmp/x" || a.PID != 77 ||
		!a.Time.Equal(t0) || strings.Join(a.Reasons, ";") != "unassigned port;listens on the network" {
		t.Errorf("alert line: %+v", a)
	}
	lines, _ = s.Events(ctx, Query{Exe: "/tmp/y"})
	if len(lines) != 1 || lines[0].Action != "" || lines[0].Reasons == nil || len(lines[0].Reasons) != 0 {
		t.Errorf("unmarked alert: %+v", lines)
	}
}

func TestOwnerChange(t *testing.T) {
	s, c := openTest(t, Options{})
	r := startTest(t, s)
	pg := listener(5432, "/usr/lib/postgresql/15/bin/postgres", 10)
	x := listener(5432, "/tmp/x", 20)

	// 30 minutes in one session: not yet usual.
	record(t, r, ev(monitor.Opened, t0, pg))
	c.Set(t0.Add(30 * time.Minute))
	if _, _, ok := s.OwnerChange(x); ok {
		t.Error("owner change after 30 minutes of one session")
	}
	// Still open, 2 hours on: the open session's time counts.
	c.Set(t0.Add(2 * time.Hour))
	usual, held, ok := s.OwnerChange(x)
	if !ok || usual != pg.Exe || held != 2*time.Hour {
		t.Fatalf("OwnerChange = %q, %v, %v; want postgres, 2h, true", usual, held, ok)
	}
	if got, want := OwnerChangeReason(x, usual), "5432/tcp is usually /usr/lib/postgresql/15/bin/postgres, now /tmp/x"; got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if _, _, ok := s.OwnerChange(pg); ok {
		t.Error("the usual owner itself reported as a change")
	}
	udp := x
	udp.Proto = monitor.UDP
	if _, _, ok := s.OwnerChange(udp); ok {
		t.Error("owner change across protocols")
	}
	hidden := x
	hidden.OwnerHidden, hidden.Exe = true, ""
	if _, _, ok := s.OwnerChange(hidden); ok {
		t.Error("owner change for a hidden owner")
	}
	record(t, r, ev(monitor.Closed, t0.Add(3*time.Hour), pg))
	o, ok, err := s.UsualOwner(context.Background(), 5432, monitor.TCP)
	if err != nil || !ok || o.Exe != pg.Exe || o.Held != 3*time.Hour || o.Sessions != 1 {
		t.Errorf("UsualOwner = %+v, %v, %v", o, ok, err)
	}

	// Short sessions: usual from the third one (a new process each day).
	dev := listener(3000, "/usr/bin/node", 30)
	for i := range 3 {
		if _, _, ok := s.OwnerChange(listener(3000, "/usr/bin/python3", 40)); ok {
			t.Errorf("owner change after %d short sessions", i)
		}
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		dev.PID, dev.StartTime = int32(30+i), at.Add(-time.Second)
		record(t, r, ev(monitor.Opened, at, dev), ev(monitor.Closed, at.Add(5*time.Minute), dev))
	}
	if usual, _, ok := s.OwnerChange(listener(3000, "/usr/bin/python3", 40)); !ok || usual != dev.Exe {
		t.Errorf("after 3 sessions: %q, %v", usual, ok)
	}
	// A newcomer that became usual itself is no longer a change.
	py := listener(3000, "/usr/bin/python3", 40)
	record(t, r, ev(monitor.Opened, t0.Add(5*24*time.Hour), py), ev(monitor.Closed, t0.Add(5*24*time.Hour+2*time.Hour), py))
	if _, _, ok := s.OwnerChange(py); ok {
		t.Error("an established owner reported as a change")
	}
}

// TestLineJSONFields pins the export format's field names: log shippers'
// configurations depend on them.
func TestLineJSONFields(t *testing.T) {
	l := listener(5173, "/tmp/x", 5)
	prev := listener(5173, "/usr/bin/node", 4)
	e := monitor.Event{Kind: monitor.OwnerChanged, Time: t0.In(time.FixedZone("X", 3600)), Listener: l, Previous: &prev}
	line := LineFromEvent(e, "box", nil)
	b, err := json.Marshal(line)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-11-20T09:00:00.000Z","host":"box","event":"owner_changed","proto":"tcp","port":5173,` +
		`"address":"127.0.0.1","exposure":"loopback","exe":"/tmp/x","user":"ann","pid":5,"alert":false,` +
		`"reasons":[],"previous_exe":"/usr/bin/node"}`
	if string(b) != want {
		t.Errorf("line JSON\n got %s\nwant %s", b, want)
	}
	var back Line
	if err := json.Unmarshal(b, &back); err != nil || !back.Time.Equal(t0) || back.PreviousExe != prev.Exe {
		t.Errorf("line does not read back: %+v, %v", back, err)
	}
}

// TestOwnerSessionsPerProcess runs on a real history file: one process
// holding three SO_REUSEPORT sockets on a port (three listeners, one pid,
// one start time) is one session of its executable there, not three, so
// it does not become the port's usual owner in one short run. Three runs
// of it are three sessions; pid alone, with no start time known, is one
// process too.
func TestOwnerSessionsPerProcess(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	ctx := context.Background()
	run := func(at time.Time, pid int32, start time.Time, sockets int) {
		var open, closed []monitor.Event
		for i := range sockets {
			l := listener(7000, "/tmp/squatter", pid)
			l.Inode, l.StartTime = uint64(1000+i), start
			open = append(open, ev(monitor.Opened, at, l))
			closed = append(closed, ev(monitor.Closed, at.Add(2*time.Minute), l))
		}
		record(t, r, open...)
		record(t, r, closed...)
	}
	run(t0, 50, t0.Add(-time.Second), 3)
	o, err := s.Owners(ctx, 7000, monitor.TCP)
	if err != nil || len(o) != 1 {
		t.Fatalf("owners %+v, %v", o, err)
	}
	if o[0].Sessions != 1 || o[0].Usual() {
		t.Fatalf("one process with three sockets: %d sessions, usual %v; want 1, false", o[0].Sessions, o[0].Usual())
	}
	newcomer := listener(7000, "/usr/bin/real", 60)
	if usual, _, ok := s.OwnerChange(newcomer); ok {
		t.Errorf("a three-socket run made %s the usual owner of 7000/tcp", usual)
	}
	// Two more runs (new processes), no start time known for the last.
	run(t0.Add(time.Hour), 51, t0.Add(time.Hour-time.Second), 3)
	run(t0.Add(2*time.Hour), 52, time.Time{}, 2)
	if o, _ = s.Owners(ctx, 7000, monitor.TCP); o[0].Sessions != 3 || !o[0].Usual() {
		t.Errorf("three runs: %d sessions, usual %v; want 3, true", o[0].Sessions, o[0].Usual())
	}
}
