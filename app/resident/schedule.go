package resident

import "time"

// chores is the resident's periodic work beyond the scan, run from the
// loop's one timer: no part of the resident (the history's upkeep
// included) keeps a timer of its own, so that the idle process wakes once
// per tick and not on several schedules. A chore is done on the first
// tick at or after it is due, so its period is rounded up to whole ticks.
type chores struct {
	list []*chore
}

// chore is one periodic job.
type chore struct {
	name  string
	every time.Duration
	next  time.Time
	do    func(now time.Time)
}

// add schedules do every every, first at first.
func (c *chores) add(name string, first time.Time, every time.Duration, do func(now time.Time)) {
	c.list = append(c.list, &chore{name: name, every: every, next: first, do: do})
}

// run does the chores due at now, in the order they were added, and
// returns their names. A chore's next time counts from now, not from when
// it was due: after a suspend, or a tick held up, it runs once, not once
// for each period missed.
func (c *chores) run(now time.Time) []string {
	var done []string
	for _, ch := range c.list {
		if now.Before(ch.next) {
			continue
		}
		ch.next = now.Add(ch.every)
		ch.do(now)
		done = append(done, ch.name)
	}
	return done
}
