//go:build linux

package resident

import (
	"testing"
	"time"
)

// The loop's timerfd ticker ticks at its interval, takes a new one, and
// stops ticking when stopped.
func TestFdTicker(t *testing.T) {
	tk := newTicker(20 * time.Millisecond)
	if _, ok := tk.(*fdTicker); !ok {
		t.Fatalf("newTicker gave %T on Linux, want the timerfd ticker", tk)
	}
	start := time.Now()
	for range 3 {
		select {
		case <-tk.C():
		case <-time.After(5 * time.Second):
			t.Fatal("no tick within 5 s of a 20 ms ticker")
		}
	}
	if d := time.Since(start); d < 55*time.Millisecond {
		t.Fatalf("three ticks of 20 ms in %v", d)
	}
	tk.Reset(time.Hour)
	time.Sleep(30 * time.Millisecond) // a tick read before the reset is sent
	drain(tk.C())
	select {
	case <-tk.C():
		t.Fatal("a tick within 100 ms of a reset to an hour")
	case <-time.After(100 * time.Millisecond):
	}
	tk.Reset(10 * time.Millisecond)
	select {
	case <-tk.C():
	case <-time.After(5 * time.Second):
		t.Fatal("no tick within 5 s of a reset to 10 ms")
	}
	tk.Stop()
	time.Sleep(30 * time.Millisecond)
	drain(tk.C())
	select {
	case <-tk.C():
		t.Fatal("a tick after Stop")
	case <-time.After(50 * time.Millisecond):
	}
}

// drain empties c of a tick already waiting.
func drain(c <-chan time.Time) {
	select {
	case <-c:
	default:
	}
}

// When the poller refuses the timerfd, the ticker goes on with the
// runtime's timer, at the period last set, until stopped.
func TestFdTickerFallback(t *testing.T) {
	tk := newTicker(time.Hour).(*fdTicker)
	tk.f.Close() // the timerfd is gone: only the fallback can tick now
	tk.Reset(15 * time.Millisecond)
	done := make(chan struct{})
	go func() { tk.fallback(); close(done) }()
	for range 2 {
		select {
		case <-tk.C():
		case <-time.After(5 * time.Second):
			t.Fatal("no tick from the fallback within 5 s of a 15 ms period")
		}
	}
	tk.Stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the fallback still runs 5 s after Stop")
	}
}
