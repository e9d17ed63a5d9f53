package history

import (
	"context"
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
		if !r.RecordAlert(t0.Add(time.Duration(i)*time.Millisecond), l, []string{"5432/tcp is usually /usr/bin/a, now /tmp/b"}) {
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
