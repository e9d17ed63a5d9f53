package history

import (
	"context"
	"testing"
	"time"

	"portlight/monitor"
)

// TestDrivenRecorderWaitsToBeAsked: a Driven recorder neither purges nor
// refreshes last_seen on its own (even with intervals that would have
// fired), and does each when asked, after the writes queued before.
func TestDrivenRecorderWaitsToBeAsked(t *testing.T) {
	s, c := openTest(t, Options{MaxAge: 24 * time.Hour})
	r := startTest(t, s)
	l := listener(9000, "/usr/bin/a", 1)
	record(t, r, ev(monitor.Opened, t0, l), ev(monitor.Closed, t0.Add(time.Minute), l))
	r.Close()

	c.Set(t0.Add(48 * time.Hour))
	d, err := StartRecorder(context.Background(), s, RecorderOptions{Driven: true,
		TouchEvery: time.Millisecond, PurgeEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	open := listener(9001, "/usr/bin/b", 2)
	d.Record([]monitor.Event{ev(monitor.Opened, t0.Add(48*time.Hour), open)})
	d.Heartbeat(t0.Add(50 * time.Hour))
	time.Sleep(50 * time.Millisecond) // time for timers to fire, were there any
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL"); n != 1 {
		t.Fatalf("%d old sessions before Purge, want the 1 (no purge unasked)", n)
	}
	lastSeen := func() time.Time {
		ss, err := s.Sessions(context.Background(), Query{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ss {
			if x.Listener.Port == 9001 {
				return x.LastSeen
			}
		}
		t.Fatal("no session of port 9001")
		return time.Time{}
	}
	if got := lastSeen(); !got.Equal(t0.Add(48 * time.Hour)) {
		t.Fatalf("last_seen %v before Touch, want the opening", got)
	}

	if !d.Touch() || !d.Purge() {
		t.Fatal("Touch or Purge not queued")
	}
	if err := d.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL"); n != 0 {
		t.Errorf("%d old sessions after Purge, want 0", n)
	}
	if got, want := lastSeen(), t0.Add(50*time.Hour); !got.Equal(want) {
		t.Errorf("last_seen %v after Touch, want the heartbeat %v", got, want)
	}
	if st := d.Stats(); st.LastErr != nil {
		t.Errorf("stats: %+v", st)
	}
}
