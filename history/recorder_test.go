package history

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"portlight/monitor"
)

func TestRecordQueryRoundTrip(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	ctx := context.Background()
	a := listener(5173, "/usr/bin/node", 100)
	b := listener(5173, "/tmp/x", 200)
	other := listener(22, "/usr/sbin/sshd", 1)
	other.Address, other.Exposure = "0.0.0.0", monitor.Network
	record(t, r,
		ev(monitor.Opened, t0, a),
		ev(monitor.Opened, t0.Add(time.Second), other),
	)
	changed := ev(monitor.OwnerChanged, t0.Add(time.Hour), b)
	changed.Previous = &a
	record(t, r, changed, ev(monitor.Closed, t0.Add(2*time.Hour), b))

	ss, err := s.Sessions(ctx, Query{Port: 5173})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 {
		t.Fatalf("sessions on 5173: %d, want 2: %+v", len(ss), ss)
	}
	nb, na := ss[0], ss[1] // newest first
	if na.Listener.Exe != "/usr/bin/node" || !na.FirstSeen.Equal(t0) || !na.ClosedAt.Equal(t0.Add(time.Hour)) ||
		na.StartKind != "opened" || na.EndKind != "owner_changed" {
		t.Errorf("first session: %+v", na)
	}
	if nb.Listener.Exe != "/tmp/x" || nb.StartKind != "owner_changed" || nb.PreviousExe != "/usr/bin/node" ||
		nb.EndKind != "closed" || !nb.ClosedAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("second session: %+v", nb)
	}
	l := na.Listener
	if l.Proto != monitor.TCP || l.Address != "127.0.0.1" || l.Exposure != monitor.Loopback || l.PID != 100 ||
		l.UID != 1000 || l.User != "ann" || l.Cmdline != "/usr/bin/node --port 5173" || !l.StartTime.Equal(a.StartTime) {
		t.Errorf("stored listener: %+v", l)
	}

	lines, err := s.Events(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range lines {
		got = append(got, line.Event+" "+line.Exe)
	}
	want := []string{"opened /usr/bin/node", "opened /usr/sbin/sshd", "owner_changed /tmp/x", "closed /tmp/x"}
	if len(got) != len(want) {
		t.Fatalf("events: %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events: %q, want %q", got, want)
		}
	}
	if lines[2].PreviousExe != "/usr/bin/node" || lines[0].Host == "" || lines[0].Reasons == nil {
		t.Errorf("line fields: %+v", lines)
	}

	for _, tc := range []struct {
		name string
		q    Query
		want int
	}{
		{"by port", Query{Port: 5173}, 3},
		{"by port and proto", Query{Port: 5173, Proto: monitor.TCP}, 3},
		{"by port, other proto", Query{Port: 5173, Proto: monitor.UDP}, 0},
		{"by exe", Query{Exe: "/tmp/x"}, 2},
		{"unknown exe", Query{Exe: "/nowhere"}, 0},
		{"since", Query{Since: t0.Add(30 * time.Minute)}, 2},
		{"limit", Query{Limit: 1}, 1},
	} {
		lines, err := s.Events(ctx, tc.q)
		if err != nil || len(lines) != tc.want {
			t.Errorf("%s: %d lines (%v), want %d", tc.name, len(lines), err, tc.want)
		}
	}
	if lines, _ := s.Events(ctx, Query{Limit: 1}); len(lines) == 1 && lines[0].Event != "closed" {
		t.Errorf("last event = %s, want closed", lines[0].Event)
	}
}

func TestInconsistentStreamsAreTolerated(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	a := listener(8000, "/usr/bin/a", 1)
	b := listener(8000, "/usr/bin/b", 2)
	record(t, r,
		ev(monitor.Closed, t0, a), // never opened: ignored
		ev(monitor.Opened, t0, a),
		ev(monitor.Opened, t0.Add(time.Minute), a),   // same owner again: same session
		ev(monitor.Opened, t0.Add(2*time.Minute), b), // another socket on the endpoint: a session of its own
		ev(monitor.Closed, t0.Add(3*time.Minute), b),
		ev(monitor.Closed, t0.Add(3*time.Minute), b), // closed twice: ignored
	)
	ss, err := s.Sessions(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[1].Listener.Exe != "/usr/bin/a" || !ss[1].ClosedAt.IsZero() ||
		ss[0].Listener.Exe != "/usr/bin/b" || !ss[0].ClosedAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("sessions: %+v", ss)
	}
}

func TestCrashLeftSessionsCloseAtLastSeen(t *testing.T) {
	s, c := openTest(t, Options{})
	r := startTest(t, s)
	record(t, r, ev(monitor.Opened, t0, listener(9000, "/usr/bin/a", 1)))
	seen := t0.Add(10 * time.Minute)
	if err := s.touch(context.Background(), seen); err != nil {
		t.Fatal(err)
	}
	// Stop the recorder the way a crash would: no closing of open sessions.
	r.cancel()
	<-r.done
	r.lock.Release()
	r.closeMu.Do(func() {})

	c.Set(t0.Add(24 * time.Hour))
	startTest(t, s)
	ss, err := s.Sessions(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || !ss[0].ClosedAt.Equal(seen) || ss[0].EndKind != "stopped" {
		t.Fatalf("session after restart: %+v; want closed at %v as stopped", ss, seen)
	}
	// A stop is not a close: it is not shown as a "closed" event.
	lines, _ := s.Events(context.Background(), Query{})
	if len(lines) != 1 || lines[0].Event != "opened" {
		t.Errorf("events: %+v", lines)
	}
	o, ok, err := s.UsualOwner(context.Background(), 9000, monitor.TCP)
	if err != nil || ok || o.Exe != "" {
		t.Errorf("10 minutes in 1 session made a usual owner: %+v %v %v", o, ok, err)
	}
	owners, _ := s.Owners(context.Background(), 9000, monitor.TCP)
	if len(owners) != 1 || owners[0].Held != 10*time.Minute {
		t.Errorf("owners: %+v, want 10m held", owners)
	}
}

func TestCloseStopsOpenSessionsAtHeartbeat(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	record(t, r, ev(monitor.Opened, t0, listener(9000, "/usr/bin/a", 1)))
	r.Heartbeat(t0.Add(5 * time.Minute))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	ss, _ := s.Sessions(context.Background(), Query{})
	if len(ss) != 1 || !ss[0].ClosedAt.Equal(t0.Add(5*time.Minute)) || ss[0].EndKind != "stopped" {
		t.Fatalf("after Close: %+v", ss)
	}
}

func TestSecondRecorderIsBusy(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	if _, err := StartRecorder(context.Background(), s, RecorderOptions{}); !errors.Is(err, ErrRecorderBusy) {
		t.Fatalf("second recorder: %v, want ErrRecorderBusy", err)
	}
	r.Close()
	r2, err := StartRecorder(context.Background(), s, RecorderOptions{})
	if err != nil {
		t.Fatalf("recorder after the first closed: %v", err)
	}
	r2.Close()
}

// TestRecordNeverBlocks holds the database's write lock from another
// connection so the writer is stuck; Record must still return at once,
// dropping and counting what does not fit the queue.
func TestRecordNeverBlocks(t *testing.T) {
	s, _ := openTest(t, Options{})
	r, err := StartRecorder(context.Background(), s, RecorderOptions{Queue: 4, TouchEvery: time.Hour, PurgeEvery: time.Hour, FirstPurge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	blocker, err := sql.Open("sqlite", dsn(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	tx, err := blocker.Begin() // immediate: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	queued := 0
	for i := range 100 {
		if r.Record([]monitor.Event{ev(monitor.Opened, t0, listener(uint16(1000+i), "/usr/bin/a", 1))}) {
			queued++
		}
	}
	if d := time.Since(start); d > time.Second { // blocking would wait for the rollback below: forever
		t.Errorf("100 Record calls took %v with the writer stuck", d)
	}
	tx.Rollback()
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Dropped == 0 || st.Dropped+st.Recorded != 100 || int(st.Recorded) != queued {
		t.Fatalf("stats %+v, queued %d: want drops counted and the rest recorded", st, queued)
	}
	if n := count(t, s, "SELECT count(*) FROM sessions"); n != queued {
		t.Errorf("%d sessions stored, want %d", n, queued)
	}
}

func TestTouchRefreshesOpenSessionsOnly(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	record(t, r,
		ev(monitor.Opened, t0, listener(1, "/a", 1)),
		ev(monitor.Opened, t0, listener(2, "/b", 2)),
		ev(monitor.Closed, t0.Add(time.Minute), listener(2, "/b", 2)),
	)
	if err := s.touch(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ss, _ := s.Sessions(context.Background(), Query{})
	for _, x := range ss {
		want := t0.Add(time.Hour)
		if x.Listener.Port == 2 {
			want = t0.Add(time.Minute)
		}
		if !x.LastSeen.Equal(want) {
			t.Errorf("port %d last_seen %v, want %v", x.Listener.Port, x.LastSeen, want)
		}
	}
}
