package monitor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// procAttributor finds every process that holds each socket inode by
// reading /proc/PID/fd links, doing as little of that as it can. What is
// cheap and what is not:
//
//   - a steady scan (no new inode, no new process) reads /proc/loadavg once
//     and re-checks a few cached holders (verifyPerScan sockets, round robin,
//     one readlink per holder of each), which catches holders that exited or
//     closed the socket; an owner so dropped that no walk replaces is still
//     reported for that one scan, as the socket is most likely closing;
//   - every process created since the previous scan is walked once, whole,
//     for every socket of the scan: that is how a worker forked by a
//     listener's owner (it inherits the socket) becomes a holder. New
//     processes are found without listing /proc: the newest pid (last field
//     of /proc/loadavg) says whether any was created, and /proc's directory
//     is read from the last pid seen on (pids grow until they wrap). The cost
//     follows the rate of process creation, not the size of the machine;
//   - an unseen inode starts a walk: first the new processes, then the
//     processes that already hold listeners, then all others, stopping as
//     soon as every sought inode is found. Every process walked records all
//     the listening sockets it holds, sought or known;
//   - the first walk (and one after the pids wrap) reads every process, to
//     the end, so that holders already there at start are all known; it
//     waits for the first scan that lists a socket;
//   - an inode no walk finds (another user's process while unprivileged, or a
//     socket no process holds) goes to a negative cache: it is looked for in
//     new processes only, and in a full walk again after retryEvery scans,
//     then twice as long, up to an hour.
//
// Not cheap, so not done: a socket passed over a Unix socket to a process
// that already existed (SCM_RIGHTS), or dup'ed into one by a debugger, is
// seen held there only when a later walk reads that process (a walk for an
// unseen inode that reaches it, or a due full walk); a holder that exits is
// noticed when the round robin re-checks its socket.
//
// The primary holder, the one attribute reports, is the oldest (earliest
// start, then lowest pid): the process that created the socket existed
// before any that inherited it by fork, so for a forked worker pool it is
// the parent, and it changes only when that holder lets go of the socket.
//
// Permission denied on a process's fds is normal without root: that process
// is remembered as unreadable (until its pid is reused or a full walk is
// due) and its sockets end up hidden, never dropped.
type procAttributor struct {
	fs *procfs

	held       map[uint64][]holder      // inode -> processes holding it, primary first
	negative   map[uint64]negativeEntry // inode -> when to look for it again
	unreadable map[int32]bool           // pids whose /proc/PID/fd is EACCES
	want       map[uint64]bool          // scratch: sought inodes; true = worth a full walk
	live       map[uint64]bool          // scratch: inodes of this scan, for sweeping
	dropped    map[uint64]holder        // scratch: owners verify forgot this scan

	pids, newPids, ownerPids []int32
	hits                     []fdHit
	walked                   bool  // a walk has happened: lastPid is meaningful
	lastPid                  int64 // the newest pid at the last walk
	gen                      uint64

	scan          uint64
	cursor        int
	retryEvery    uint64
	verifyPerScan int
}

// holder is one process holding a socket, at one of its fds.
type holder struct {
	pid, fd int32
	start   uint64 // start time in clock ticks after boot, for ordering
}

// negativeEntry schedules the next full-walk search for an inode no walk
// found; the interval doubles after each fruitless search, up to
// maxOwnerRetry scans, because such sockets seldom gain a visible owner
// without a new process (which is always searched).
type negativeEntry struct {
	next, every uint64
}

// defaultOwnerRetry is how many scans pass before sockets with no visible
// owner are first looked for again in a full /proc walk (5 minutes at 1 s).
const defaultOwnerRetry = 300

// maxOwnerRetry caps the negative cache's backoff (an hour at 1 s).
const maxOwnerRetry = 3600

func newProcAttributor(root string, retryEvery int) *procAttributor {
	if retryEvery <= 0 {
		retryEvery = defaultOwnerRetry
	}
	return &procAttributor{
		fs:            newProcfs(root),
		held:          make(map[uint64][]holder),
		negative:      make(map[uint64]negativeEntry),
		unreadable:    make(map[int32]bool),
		want:          make(map[uint64]bool),
		live:          make(map[uint64]bool),
		dropped:       make(map[uint64]holder),
		retryEvery:    uint64(retryEvery),
		verifyPerScan: 8,
	}
}

// attribute sets pids[i] to the primary holder of socks[i], 0 when none is
// visible. A process that vanishes during the walk is skipped; nothing here
// fails a scan except a cancelled context or an unreadable /proc itself.
func (a *procAttributor) attribute(ctx context.Context, socks []Socket, pids []int32) error {
	a.scan++
	a.verify(socks)
	clear(a.want)
	full := false
	for i, s := range socks {
		pids[i] = 0
		if hs := a.held[s.Inode]; len(hs) > 0 {
			pids[i] = hs[0].pid
			continue
		}
		if s.Inode == 0 {
			continue
		}
		due := true
		if n, ok := a.negative[s.Inode]; ok && a.scan < n.next {
			due = false
		}
		a.want[s.Inode] = due
		full = full || due
	}
	a.sweep(socks)
	sought := len(a.want) > 0
	if !sought && !a.walked {
		// No socket yet: the first walk waits for one (a one-shot command
		// about a port nothing listens on reads no process).
		return nil
	}
	// Always: new processes are walked even when no inode is sought, for the
	// sockets they inherited.
	if err := a.walk(ctx, full); err != nil {
		return err
	}
	if !sought {
		return nil
	}
	for i, s := range socks {
		if pids[i] != 0 {
			continue
		}
		if hs := a.held[s.Inode]; len(hs) > 0 {
			pids[i] = hs[0].pid
			continue
		}
		if a.want[s.Inode] {
			n := a.negative[s.Inode]
			n.every = min(max(2*n.every, a.retryEvery), max(a.retryEvery, maxOwnerRetry))
			n.next = a.scan + n.every
			a.negative[s.Inode] = n
		}
		// The owner verify just dropped holds it no more and no process
		// visible holds it: almost always the socket is closing (closed or
		// its owner exited after enumeration). Report that owner for this
		// scan, not cached, rather than "hidden" for one scan and then
		// "closed", a false pair of events: the next scan shows the socket
		// gone, or finds its new owner, or hides it.
		if o, ok := a.dropped[s.Inode]; ok {
			pids[i] = o.pid
		}
	}
	return nil
}

// walk reads the processes created since the last walk, all of them; then,
// if full and some sought inode is still due, listener holders, newest
// first, and then everything else, until nothing due is left. With nothing
// new and nothing sought it costs one read of /proc/loadavg.
func (a *procAttributor) walk(ctx context.Context, full bool) error {
	// The newest pid tells, with one small read, whether any process was
	// created since the last walk and which pids are new: pids are handed
	// out in increasing order until they wrap.
	last, err := a.fs.lastPid()
	prev, walked := a.lastPid, a.walked
	a.newPids = a.newPids[:0]
	if err != nil {
		// Which processes are new is unknown: only a due search walks.
		if !full {
			return nil
		}
	} else {
		a.walked, a.lastPid = true, last
		if !walked || last < prev {
			// First walk, or the pids wrapped: every process may be new.
			return a.walkAll(ctx)
		}
		if last != prev {
			if a.newPids, err = a.fs.listPidsAfter(prev, last, a.newPids); err != nil {
				return a.walkAll(ctx)
			}
		}
	}
	for _, p := range a.newPids {
		delete(a.unreadable, p) // a reused pid is another process
	}
	// Every new process, to the end: each may have inherited known sockets.
	for _, p := range a.newPids {
		a.walkPid(p)
	}
	if !full || !a.anyDue() {
		return nil
	}
	a.ownerPids = a.ownerPids[:0]
	for _, hs := range a.held {
		for _, h := range hs {
			a.ownerPids = append(a.ownerPids, h.pid)
		}
	}
	slices.Sort(a.ownerPids)
	a.ownerPids = slices.Compact(a.ownerPids)
	// Newest first: a process that opened a listener lately is the likeliest
	// to open another (a developer's server, a service starting up).
	slices.Reverse(a.ownerPids)
	n := 0
	for _, p := range a.ownerPids {
		if _, isNew := slices.BinarySearch(a.newPids, p); !isNew {
			a.ownerPids[n] = p
			n++
		}
	}
	a.ownerPids = a.ownerPids[:n]
	if a.walkPids(a.ownerPids) {
		return nil
	}
	slices.Sort(a.ownerPids)
	if a.pids, err = a.fs.listPids(a.pids[:0]); err != nil {
		return fmt.Errorf("list processes: %w", err)
	}
	// A full walk re-probes processes found unreadable before: credentials
	// and dumpability can change.
	clear(a.unreadable)
	for i, p := range a.pids {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, ok := slices.BinarySearch(a.newPids, p); ok {
			continue
		}
		if _, ok := slices.BinarySearch(a.ownerPids, p); ok {
			continue
		}
		if a.walkPid(p) {
			return nil
		}
	}
	return nil
}

// walkAll reads every process, to the end, recording every holder of a
// sought or known socket: the first walk, and one after the pids wrapped.
func (a *procAttributor) walkAll(ctx context.Context) error {
	var err error
	if a.pids, err = a.fs.listPids(a.pids[:0]); err != nil {
		return fmt.Errorf("list processes: %w", err)
	}
	clear(a.unreadable)
	if walkWorkers > 1 && len(a.pids) >= parallelWalkMin {
		return a.walkAllParallel(ctx, a.pids, walkWorkers)
	}
	for i, p := range a.pids {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a.walkPid(p)
	}
	return nil
}

// walkPids walks each pid; it reports true once nothing worth a full walk is
// left to find.
func (a *procAttributor) walkPids(pids []int32) bool {
	for _, p := range pids {
		if a.walkPid(p) {
			return true
		}
	}
	return !a.anyDue()
}

// walkPid records every sought or known socket pid holds; it reports true
// once nothing worth a full walk is left to find.
func (a *procAttributor) walkPid(pid int32) bool {
	if a.unreadable[pid] {
		return false
	}
	var err error
	a.hits, err = a.fs.walkFDs(pid, a.want, a.held, a.hits[:0])
	if errors.Is(err, unix.EACCES) {
		a.unreadable[pid] = true
	}
	if len(a.hits) == 0 {
		return false
	}
	start, err := a.fs.startTime(pid)
	if err != nil {
		// Exited while read: still the holder found (the scan reports it
		// without facts and forgets it), after any holder of known age.
		start = ^uint64(0)
	}
	for _, h := range a.hits {
		a.addHolder(h.inode, holder{pid: h.pid, fd: h.fd, start: start})
		delete(a.negative, h.inode)
		delete(a.want, h.inode)
	}
	return !a.anyDue()
}

// addHolder records that h holds the socket inode, keeping the holders in
// primary order: oldest first, then lowest pid.
func (a *procAttributor) addHolder(inode uint64, h holder) {
	hs := a.held[inode]
	for _, o := range hs {
		if o.pid == h.pid {
			return // the same process at another fd
		}
	}
	hs = append(hs, h)
	slices.SortFunc(hs, func(x, y holder) int {
		return cmp.Or(cmp.Compare(x.start, y.start), cmp.Compare(x.pid, y.pid))
	})
	a.held[inode] = hs
	a.gen++
}

func (a *procAttributor) anyDue() bool {
	for _, due := range a.want {
		if due {
			return true
		}
	}
	return false
}
