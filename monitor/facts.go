package monitor

import (
	"context"
	"errors"
	"strconv"
)

// errProcessGone reports a process that exited while its facts were read.
var errProcessGone = errors.New("process exited")

// procKey identifies one process for good: a pid is reused, a pid with its
// start time is not.
type procKey struct {
	pid   int32
	start uint64
}

// factsCache holds process facts per (pid, start time) and user names per
// uid, so a process is asked about once, however many sockets it holds and
// however many scans see them.
type factsCache struct {
	reader *procReader
	procs  map[procKey]Process
	users  map[uint32]string
}

func newFactsCache(procRoot string) *factsCache {
	return &factsCache{reader: newProcReader(procRoot), procs: make(map[procKey]Process), users: make(map[uint32]string)}
}

// get returns the facts of the process with this pid and start key. A field
// that cannot be read (Exe of another user's process) is left empty; the
// others are kept. errProcessGone means the process exited meanwhile.
func (c *factsCache) get(ctx context.Context, pid int32, start uint64, startKey func(int32) (uint64, error)) (Process, error) {
	k := procKey{pid, start}
	if p, ok := c.procs[k]; ok {
		return p, nil
	}
	p, err := c.reader.read(ctx, pid, c.userName)
	if err != nil {
		return p, errProcessGone
	}
	// The pid may have exited, or even been reused, while we read: check the
	// process is still the one the key names before trusting the facts.
	if now, err := startKey(pid); err != nil || now != start {
		return p, errProcessGone
	}
	c.procs[k] = p
	return p, nil
}

// userName returns the login name of uid, or the uid in decimal when the
// user database has no entry for it.
func (c *factsCache) userName(uid uint32) string {
	if n, ok := c.users[uid]; ok {
		return n
	}
	n, ok := lookupUserName(uid)
	if !ok {
		n = strconv.FormatUint(uint64(uid), 10)
	}
	c.users[uid] = n
	return n
}

// forget drops the facts of every process with this pid.
func (c *factsCache) forget(pid int32) {
	for k := range c.procs {
		if k.pid == pid {
			delete(c.procs, k)
		}
	}
}

// sweep forgets all process facts when the cache has grown well past what
// the live listeners need; the next scans refill it.
func (c *factsCache) sweep(live int) {
	if len(c.procs) > 2*live+256 {
		clear(c.procs)
	}
}
