package monitor

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// soakResult holds the soak's figures.
type soakResult struct {
	size                     soakSize
	opens, closes, fails     int
	procs                    int
	churnTime                time.Duration
	tracked                  int
	visible                  int // tracked listeners some complete scan fell inside
	unscanned                int // tracked listeners no complete scan fell inside
	missedOpen, missedClose  int // of the visible ones
	dupOpen, dupClose        int // of any socket, tracked or not
	flapped                  int // tracked sockets with an owner change on the same socket
	closingFlaps             int // tracked sockets whose owner "became hidden" during the scan in which they closed
	wrongOwner               int // tracked sockets opened with another pid (or hidden)
	wrongLines               []string
	shortSeen                int // untracked sockets some scan saw
	shortFlaps               int // untracked sockets with an owner change on the same socket
	scans                    int
	maxGap                   time.Duration
	events                   int
	scanErrs                 []string
	memStart, memMid, memEnd [3]uint64 // heap, rss, goroutines
}

// analyseSoak matches the workers' tracked listeners with the monitor's
// events, by socket inode (unique among live sockets, so a port the kernel
// or a worker reuses later is not confused with an earlier listener).
func analyseSoak(g *soakLog, tracked []soakTracked) soakResult {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := soakResult{tracked: len(tracked), scans: len(g.scans), events: g.events, scanErrs: g.errs}
	scans := slices.Clone(g.scans)
	slices.SortFunc(scans, func(a, b soakWindow) int { return int(a.start - b.start) })
	for i := 1; i < len(scans); i++ {
		r.maxGap = max(r.maxGap, time.Duration(scans[i].start-scans[i-1].start))
	}
	isTracked := make(map[uint64]bool, len(tracked))
	for _, l := range tracked {
		isTracked[l.inode] = true
		// The first scan that started after the listener opened must
		// also have ended before it closed.
		i, _ := slices.BinarySearchFunc(scans, l.open, func(w soakWindow, t int64) int { return int(w.start - t) })
		visible := i < len(scans) && scans[i].end <= l.close
		o, c := g.opens[l.inode], g.closes[l.inode]
		switch {
		case visible:
			r.visible++
			if o == 0 {
				r.missedOpen++
			}
			if c == 0 {
				r.missedClose++
			}
		case o == 0 && c == 0:
			r.unscanned++
		case o == 0:
			// Closed without being opened.
			r.missedOpen++
		case c == 0:
			// Seen without a complete scan inside its life, it must still
			// be closed.
			r.missedClose++
		}
		if n := g.flaps[l.inode]; n > 0 {
			// The owner "became hidden" in the scan during which the
			// socket closed: enumerated just before its close, its fd
			// gone when the cached owner was re-checked. The attributor
			// keeps the owner for that scan now; counted apart to tell
			// that race from other flaps, and fails like them.
			if w, ok := g.toHidden[l.inode]; ok && n == 1 && l.close >= w.start-closeSlack && l.close <= w.end {
				r.closingFlaps++
			} else {
				r.flapped++
			}
		}
		if pid, ok := g.openPid[l.inode]; ok && pid != l.pid {
			r.wrongOwner++
			r.wrongLines = append(r.wrongLines, fmt.Sprintf("%q by pid %d, opened %d closed %d", g.openLine[l.inode], l.pid, l.open, l.close))
		}
	}
	for ino := range g.flaps {
		if !isTracked[ino] {
			r.shortFlaps++
		}
	}
	for ino, n := range g.opens {
		if n > 1 {
			r.dupOpen++
		}
		if !isTracked[ino] {
			r.shortSeen++
		}
	}
	for _, n := range g.closes {
		if n > 1 {
			r.dupClose++
		}
	}
	return r
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// String is the soak's report, as `make soak` prints it.
func (r soakResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "soak %s: interval %v, %d listener opens and %d closes in %d worker processes over %v (%d ports skipped as busy)\n",
		r.size.name, r.size.interval, r.opens, r.closes, r.procs, r.churnTime.Round(time.Second), r.fails)
	fmt.Fprintf(&b, "  tracked (lived 2.5-4 intervals): %d; a complete scan inside their life: %d; none (loop delayed): %d\n",
		r.tracked, r.visible, r.unscanned)
	fmt.Fprintf(&b, "  missed: %d opened, %d closed; duplicates: %d opened, %d closed; owner flaps: %d; wrong owner: %d\n",
		r.missedOpen, r.missedClose, r.dupOpen, r.dupClose, r.flapped, r.wrongOwner)
	fmt.Fprintf(&b, "  owner_changed to hidden in the scan during which the listener closed (closing race): %d\n",
		r.closingFlaps)
	fmt.Fprintf(&b, "  short-lived sockets seen by a scan: %d (of them with an owner_changed on the same socket: %d); events in the soak's ports: %d; scans: %d, longest gap %v; failed scans: %d\n",
		r.shortSeen, r.shortFlaps, r.events, r.scans, r.maxGap.Round(time.Millisecond), len(r.scanErrs))
	fmt.Fprintf(&b, "  monitor memory (start -> mid-churn -> end): Go heap %s -> %s -> %s, RSS %s -> %s -> %s, goroutines %d -> %d\n",
		mib(r.memStart[0]), mib(r.memMid[0]), mib(r.memEnd[0]), mib(r.memStart[1]), mib(r.memMid[1]), mib(r.memEnd[1]),
		r.memStart[2], r.memEnd[2])
	return b.String()
}

// closeSlack allows for the worker reading the clock just before close(2).
const closeSlack = int64(5 * time.Millisecond)

// Memory margins: after the churn, the monitor's live heap may exceed its
// size before by this much, its RSS by soakRSSMargin.
const (
	soakHeapMargin = 2 << 20
	soakRSSMargin  = 8 << 20
)

func (r soakResult) check(t *testing.T) {
	t.Helper()
	if r.opens < r.size.total || r.closes != r.opens {
		t.Errorf("churn: %d opens and %d closes, want %d of each", r.opens, r.closes, r.size.total)
	}
	if want := r.opens/soakTrackEvery - r.procs; r.tracked < want {
		t.Errorf("only %d tracked listeners, want %d", r.tracked, want)
	}
	if r.missedOpen+r.missedClose+r.dupOpen+r.dupClose+r.flapped+r.closingFlaps+r.wrongOwner > 0 {
		t.Errorf("reporting errors: %d missed opened, %d missed closed, %d duplicate opened, %d duplicate closed, %d owner flaps, %d owner_changed to hidden while closing, %d wrong owner",
			r.missedOpen, r.missedClose, r.dupOpen, r.dupClose, r.flapped, r.closingFlaps, r.wrongOwner)
	}
	if len(r.wrongLines) > 0 {
		t.Errorf("wrong owners (first 10): %q", r.wrongLines[:min(10, len(r.wrongLines))])
	}
	// A listener of 2.5 intervals escapes every scan only when the loop
	// stalls for more than a whole interval; allow a rare stall on a busy
	// machine, not a loop that cannot keep its interval.
	if r.unscanned > r.tracked/100 {
		t.Errorf("%d of %d tracked listeners had no complete scan in their life (longest gap between scans %v)",
			r.unscanned, r.tracked, r.maxGap)
	}
	if len(r.scanErrs) > 0 {
		t.Errorf("%d scans failed, first: %s", len(r.scanErrs), r.scanErrs[0])
	}
	if r.memEnd[0] > r.memStart[0]+soakHeapMargin {
		t.Errorf("monitor heap grew from %s to %s", mib(r.memStart[0]), mib(r.memEnd[0]))
	}
	if r.memEnd[1] > r.memStart[1]+soakRSSMargin {
		t.Errorf("monitor RSS grew from %s to %s", mib(r.memStart[1]), mib(r.memEnd[1]))
	}
	if r.memEnd[2] > r.memStart[2] {
		t.Errorf("monitor goroutines: %d -> %d", r.memStart[2], r.memEnd[2])
	}
}
