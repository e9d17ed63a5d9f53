package resident

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
	"portlight/settings"
)

// benchResident is a resident on a real settings store and a real history
// that has recorded 200 listeners (what a busy developer machine holds),
// scanning the same 200 every tick.
func benchResident(b *testing.B) *resident {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	store, err := settings.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	var ls []monitor.Listener
	for i := range 200 {
		l := lst("127.0.0.1", uint16(20000+i), int32(100+i), fmt.Sprintf("prog%d", i%20))
		l.Exposure = monitor.Loopback
		ls = append(ls, l)
	}
	r, _ := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(ls...)}}, &fakeNotifier{}, store, nil)
	h := openHistory(ctx, quiet, filepath.Join(dir, history.FileName), noPurge, store)
	if h == nil {
		b.Fatal("the history did not open")
	}
	r.attachHistory(h)
	b.Cleanup(r.closeHistory)
	r.tick(ctx, t0) // baseline: records the 200 sessions
	if err := h.Recorder.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	r.tick(ctx, t0.Add(time.Second))
	return r
}

// BenchmarkTickIdle is a tick of an idle machine: nothing opened or closed.
func BenchmarkTickIdle(b *testing.B) {
	r := benchResident(b)
	ctx := context.Background()
	now := t0.Add(2 * time.Second)
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(time.Second)
		r.tick(ctx, now)
	}
}

// BenchmarkTickReassess is the tick that judges the listeners afresh (once
// every reassessEvery): every iteration is one.
func BenchmarkTickReassess(b *testing.B) {
	r := benchResident(b)
	ctx := context.Background()
	now := t0.Add(2 * time.Second)
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(reassessEvery)
		r.tick(ctx, now)
	}
}
