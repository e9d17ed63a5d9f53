package resident

import (
	"runtime"
	"runtime/debug"
	"time"

	"portlight/monitor/policy"
)

// chores is the resident's periodic work beyond the scan, run from the
// loop's one timer: no part of the resident (the history's upkeep
// included) keeps a timer of its own, so that the idle process wakes once
// per tick and not on several schedules. A chore is done on the first
// tick at or after it is due, so its period is rounded up to whole ticks.
type chores struct {
	list []*chore
}

// releaseEvery is how often the resident drops the provenance caches it
// has not used for a while (the package index, ~8 bytes per packaged
// file, comes back from its cache file when a new program listens) and
// hands freed heap back to the system.
const releaseEvery = time.Minute

// keepFree is how much freed heap the resident keeps from the system
// between bursts: more, and it is returned at once.
const keepFree = 1 << 20

// release is the chore of releaseEvery. A burst of work (a hundred new
// listeners judged, the first walks of a busy machine) leaves freed heap
// behind that the runtime's scavenger returns only slowly (measured: 13 MB
// of it held for minutes after such a burst; docs/binaries.md): here it is
// returned at once, for one collection of a few-MB heap a minute at most.
func release(now time.Time) {
	dropped := policy.ReleaseCaches(now)
	if dropped || freeHeap() > keepFree {
		debug.FreeOSMemory()
	}
}

// freeHeap is the heap's free memory not yet returned to the system: idle
// spans less those already released, the figure runtime/metrics names
// /memory/classes/heap/free:bytes. ReadMemStats stops the world for a few
// microseconds, once a minute; runtime/metrics would cost every command
// its initialisation (a table of descriptions built before main, ~1-3 ms
// of --help under load, docs/binaries.md).
func freeHeap() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapIdle - m.HeapReleased
}

// chore is one periodic job.
type chore struct {
	name  string
	after time.Duration // from the first tick to the first run
	every time.Duration
	next  time.Time // zero until the first tick
	do    func(now time.Time)
}

// add schedules do every every, first after after, counted from the first
// tick that sees it (the loop's clock, not the wall's).
func (c *chores) add(name string, after, every time.Duration, do func(now time.Time)) {
	c.list = append(c.list, &chore{name: name, after: after, every: every, do: do})
}

// run does the chores due at now, in the order they were added, and
// returns their names. A chore's next time counts from now, not from when
// it was due: after a suspend, or a tick held up, it runs once, not once
// for each period missed.
func (c *chores) run(now time.Time) []string {
	var done []string
	for _, ch := range c.list {
		if ch.next.IsZero() {
			ch.next = now.Add(ch.after)
		}
		if now.Before(ch.next) {
			continue
		}
		ch.next = now.Add(ch.every)
		ch.do(now)
		done = append(done, ch.name)
	}
	return done
}
