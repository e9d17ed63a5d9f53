package history

import (
	"context"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
)

// TestRecorderRecordAlertQueues: alerts queued with the recorder are
// written by its goroutine, in order with the events, with their reasons.
func TestRecorderRecordAlertQueues(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	l := listener(5432, "/tmp/b", 20)
	r.Record([]monitor.Event{ev(monitor.Opened, t0, l)})
	for i := range 30 {
		if !r.RecordAlert("", t0.Add(time.Duration(i)*time.Millisecond), l, []string{"5432/tcp is usually /usr/bin/a, now /tmp/b"}) {
			t.Fatal("RecordAlert dropped an alert")
		}
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.LastErr != nil || st.Recorded != 31 {
		t.Fatalf("stats %+v, want 31 recorded", st)
	}
	if n := count(t, s, "SELECT count(*) FROM alerts WHERE port = 5432 AND reasons LIKE '%usually%'"); n != 30 {
		t.Fatalf("%d alerts stored, want 30", n)
	}
}

// TestRecorderMarkAlert: actions queued by key after their alerts mark the
// key's latest alert, in one queue with the alerts; a weaker action never
// replaces a stronger one; an action on an unknown key is counted as
// failed without losing what was queued with it.
func TestRecorderMarkAlert(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	ctx := context.Background()
	rec := func(key string, port uint16, at time.Time) {
		t.Helper()
		if !r.RecordAlert(key, at, listener(port, "/tmp/x", 20), []string{"unassigned port"}) {
			t.Fatal("RecordAlert dropped an alert")
		}
	}
	mark := func(key string, a Action, at time.Time) {
		t.Helper()
		if !r.MarkAlert(key, a, at) {
			t.Fatalf("MarkAlert(%q, %s) not queued", key, a)
		}
	}
	rec("a", 2476, t0)
	rec("b", 2477, t0)
	rec("c", 2478, t0)
	mark("a", ActionOpened, t0.Add(time.Second)) // in the alerts' transaction, or the next
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mark("a", ActionDismissed, t0.Add(2*time.Second)) // weaker: ignored
	mark("b", ActionDismissed, t0.Add(2*time.Second))
	mark("c", ActionOpened, t0.Add(2*time.Second))
	mark("c", ActionAllowed, t0.Add(3*time.Second))
	mark("zz", ActionOpened, t0.Add(3*time.Second)) // no such alert
	rec("a", 2476, t0.Add(time.Minute))             // raised again: the key moves on
	mark("a", ActionAllowed, t0.Add(time.Minute+time.Second))
	r.Record([]monitor.Event{ev(monitor.Opened, t0.Add(time.Minute), listener(9, "/usr/bin/d", 9))})
	if r.MarkAlert("a", "ignored", t0) || r.MarkAlert("", ActionOpened, t0) {
		t.Error("an unknown action or an empty key was queued")
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.LastErr != nil || st.Failed != 1 || st.Recorded != 11 {
		t.Fatalf("stats %+v, want 11 recorded (4 alerts, 6 actions, 1 event) and the unknown key's action failed", st)
	}
	want := map[uint16][]string{2476: {"opened", "allowed"}, 2477: {"dismissed"}, 2478: {"allowed"}}
	for port, actions := range want {
		lines, err := s.Events(ctx, Query{Port: port})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lines {
			got = append(got, l.Action)
		}
		if strings.Join(got, ",") != strings.Join(actions, ",") {
			t.Errorf("%d/tcp: actions %q, want %q", port, got, actions)
		}
	}
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE port = 9"); n != 1 {
		t.Errorf("the event queued with the failed action: %d sessions, want 1", n)
	}
}
