package resident

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// TestChoresOnTicks drives the chores with a fake clock, one tick a second:
// each runs on the first tick at or after it is due, at its period.
func TestChoresOnTicks(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var c chores
	var touched, purged []time.Duration
	c.add("touch", time.Minute, time.Minute, func(now time.Time) { touched = append(touched, now.Sub(start)) })
	c.add("purge", 0, 10*time.Minute, func(now time.Time) { purged = append(purged, now.Sub(start)) })
	for s := 0; s <= 1250; s++ {
		c.run(start.Add(time.Duration(s) * time.Second))
	}
	wantTouch := []time.Duration{}
	for m := 1; m <= 20; m++ {
		wantTouch = append(wantTouch, time.Duration(m)*time.Minute)
	}
	if !slices.Equal(touched, wantTouch) {
		t.Errorf("touched at %v, want every minute from the first: %v", touched, wantTouch)
	}
	if want := []time.Duration{0, 10 * time.Minute, 20 * time.Minute}; !slices.Equal(purged, want) {
		t.Errorf("purged at %v, want %v", purged, want)
	}
}

// TestChoresOffTheBeat: ticks that do not fall on the period round it up,
// and a long gap (a suspend) runs a chore once, not once per missed period.
func TestChoresOffTheBeat(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var c chores
	n := 0
	c.add("touch", time.Minute, time.Minute, func(time.Time) { n++ })
	at := func(d time.Duration) []string { return c.run(start.Add(d)) }
	if got := at(0); len(got) != 0 {
		t.Fatalf("ran %v on the first tick", got)
	}

	if got := at(59 * time.Second); len(got) != 0 {
		t.Fatalf("ran %v before it was due", got)
	}
	if got := at(61500 * time.Millisecond); !slices.Equal(got, []string{"touch"}) {
		t.Fatalf("at 61.5 s ran %v, want touch", got)
	}
	if got := at(2 * time.Minute); len(got) != 0 {
		t.Fatalf("at 120 s ran %v: the period counts from the run at 61.5 s", got)
	}
	if got := at(2*time.Minute + 2*time.Second); !slices.Equal(got, []string{"touch"}) {
		t.Fatalf("at 122 s ran %v, want touch", got)
	}
	// Suspended for an hour: one run, then the period again.
	at(time.Hour)
	at(time.Hour + time.Second)
	if n != 3 {
		t.Fatalf("ran %d times, want 3 (once after the hour's gap)", n)
	}
}

// TestChoresNone: without chores nothing runs.
func TestChoresNone(t *testing.T) {
	var c chores
	if got := c.run(time.Now()); got != nil {
		t.Fatalf("ran %v", got)
	}
}

// TestReleaseReturnsFreedHeap: after a burst of garbage, the release chore
// leaves at most keepFree of free heap unreturned to the system.
func TestReleaseReturnsFreedHeap(t *testing.T) {
	if n := garbage(4096, 2048); n != 4096 {
		t.Fatal(n)
	}
	runtime.GC()
	before := freeHeap()
	release(time.Now())
	after := freeHeap()
	t.Logf("free heap unreturned: %d kB after the burst, %d kB after release", before>>10, after>>10)
	if after > keepFree {
		t.Errorf("%d kB of free heap kept after release, want at most %d kB", after>>10, keepFree>>10)
	}
}

// garbage allocates n slices of size bytes and lets them go.
func garbage(n, size int) int {
	burst := make([][]byte, 0, n)
	for range n {
		burst = append(burst, make([]byte, size))
	}
	return len(burst)
}

// TestChoresCountFromTheFirstTick: a chore's first run is counted from the
// first tick that sees it, on the loop's clock, whatever the wall says.
func TestChoresCountFromTheFirstTick(t *testing.T) {
	var c chores
	var at []time.Time
	c.add("release", time.Minute, time.Minute, func(now time.Time) { at = append(at, now) })
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	for s := range 121 {
		c.run(past.Add(time.Duration(s) * time.Second))
	}
	want := []time.Time{past.Add(time.Minute), past.Add(2 * time.Minute)}
	if !slices.Equal(at, want) {
		t.Fatalf("ran at %v, want %v", at, want)
	}
}
