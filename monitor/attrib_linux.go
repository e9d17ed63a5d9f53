package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// procAttributor finds the process that holds each socket inode by reading
// /proc/PID/fd links, doing as little of that as it can:
//
//   - an inode once found is cached with the pid and fd it was found at, and
//     a steady scan touches /proc only to re-check a few cached entries
//     (verifyPerScan, round robin), which catches owners that exited while a
//     child kept the socket; an owner so dropped that no walk replaces is
//     still reported for that one scan, as the socket is most likely closing;
//   - an unseen inode starts a walk: first the processes that did not exist
//     at the previous walk (a new listener is most often a new process), then
//     the processes that already own listeners, then all others, stopping as
//     soon as every sought inode is found;
//   - an inode no walk finds (another user's process while unprivileged, or a
//     socket no process holds) goes to a negative cache: it is looked for in
//     new processes only, and in a full walk again after retryEvery scans,
//     then twice as long, up to an hour.
//
// New processes are found without listing /proc: the newest pid (last field
// of /proc/loadavg) says whether any was created, and /proc's directory is
// read from the last pid seen on (pids grow until they wrap).
//
// Permission denied on a process's fds is normal without root: that process
// is remembered as unreadable (until its pid is reused or a retry is due) and
// its sockets end up hidden, never dropped.
type procAttributor struct {
	fs *procfs

	owners     map[uint64]fdHit         // inode -> where it was found
	negative   map[uint64]negativeEntry // inode -> when to look for it again
	unreadable map[int32]bool           // pids whose /proc/PID/fd is EACCES
	want       map[uint64]bool          // scratch: sought inodes; true = worth a full walk
	live       map[uint64]bool          // scratch: inodes of this scan, for sweeping
	dropped    map[uint64]fdHit         // scratch: owners verify forgot this scan

	pids, newPids, ownerPids []int32
	hits                     []fdHit
	walked                   bool  // a walk has happened: lastPid is meaningful
	lastPid                  int64 // the newest pid at the last walk

	scan          uint64
	cursor        int
	retryEvery    uint64
	verifyPerScan int
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
		owners:        make(map[uint64]fdHit),
		negative:      make(map[uint64]negativeEntry),
		unreadable:    make(map[int32]bool),
		want:          make(map[uint64]bool),
		live:          make(map[uint64]bool),
		dropped:       make(map[uint64]fdHit),
		retryEvery:    uint64(retryEvery),
		verifyPerScan: 8,
	}
}

// attribute sets pids[i] to the owner of socks[i], 0 when none is visible. A
// process that vanishes during the walk is skipped; nothing here fails a scan
// except a cancelled context or an unreadable /proc itself.
func (a *procAttributor) attribute(ctx context.Context, socks []Socket, pids []int32) error {
	a.scan++
	a.verify(socks)
	clear(a.want)
	full := false
	for i, s := range socks {
		pids[i] = 0
		if o, ok := a.owners[s.Inode]; ok {
			pids[i] = o.pid
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
	if len(a.want) == 0 {
		return nil
	}
	if err := a.walk(ctx, full); err != nil {
		return err
	}
	for i, s := range socks {
		if pids[i] != 0 {
			continue
		}
		if o, ok := a.owners[s.Inode]; ok {
			pids[i] = o.pid
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

// walk looks for the inodes of a.want in the processes created since the
// last walk, then (if full) in listener owners, newest first, and then in
// everything else.
func (a *procAttributor) walk(ctx context.Context, full bool) error {
	// The newest pid tells, with one small read, whether any process was
	// created since the last walk and which pids are new: pids are handed
	// out in increasing order until they wrap.
	last, err := a.fs.lastPid()
	a.newPids = a.newPids[:0]
	switch {
	case err != nil || !a.walked || last < a.lastPid:
		// Unknown, first walk, or the pids wrapped: everything may be new.
		full = true
	case last != a.lastPid:
		if a.newPids, err = a.fs.listPidsAfter(a.lastPid, last, a.newPids); err != nil {
			full = true
		}
	}
	a.walked, a.lastPid = err == nil, last
	for _, p := range a.newPids {
		delete(a.unreadable, p) // a reused pid is another process
	}
	if a.walkPids(a.newPids) || !full {
		return nil
	}
	a.ownerPids = a.ownerPids[:0]
	for _, o := range a.owners {
		a.ownerPids = append(a.ownerPids, o.pid)
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

// walkPid records the wanted sockets pid holds; it reports true once nothing
// worth a full walk is left to find.
func (a *procAttributor) walkPid(pid int32) bool {
	if a.unreadable[pid] {
		return false
	}
	var err error
	a.hits, err = a.fs.walkFDs(pid, a.want, a.hits[:0])
	if errors.Is(err, unix.EACCES) {
		a.unreadable[pid] = true
	}
	if len(a.hits) == 0 {
		return false
	}
	for _, h := range a.hits {
		a.owners[h.inode] = h
		delete(a.negative, h.inode)
		delete(a.want, h.inode)
	}
	return !a.anyDue()
}

func (a *procAttributor) anyDue() bool {
	for _, due := range a.want {
		if due {
			return true
		}
	}
	return false
}

// verify re-checks a few cached owners per scan, round robin, and forgets
// those whose fd no longer holds the socket (the owner exited or closed it
// while another process kept the socket open, or the socket is closing);
// a.dropped keeps them for the rest of the scan.
func (a *procAttributor) verify(socks []Socket) {
	clear(a.dropped)
	if len(socks) == 0 {
		return
	}
	n := min(a.verifyPerScan, len(socks))
	for j := 0; j < n; j++ {
		a.cursor = (a.cursor + 1) % len(socks)
		s := socks[a.cursor]
		if o, ok := a.owners[s.Inode]; ok && !a.fs.fdIsSocket(o.pid, o.fd, s.Inode) {
			delete(a.owners, s.Inode)
			a.dropped[s.Inode] = o
		}
	}
}

// sweep drops cache entries of sockets that are gone, when there are enough
// of them to matter; a steady scan does not pay for it.
func (a *procAttributor) sweep(socks []Socket) {
	if len(a.owners)+len(a.negative) <= 2*len(socks)+64 {
		return
	}
	clear(a.live)
	for _, s := range socks {
		a.live[s.Inode] = true
	}
	for ino := range a.owners {
		if !a.live[ino] {
			delete(a.owners, ino)
		}
	}
	for ino := range a.negative {
		if !a.live[ino] {
			delete(a.negative, ino)
		}
	}
}

// forget drops what is known of the socket's owner, so the next scan looks
// for it afresh (its owner exited while the scan read its facts).
func (a *procAttributor) forget(s Socket) {
	delete(a.owners, s.Inode)
}

func (a *procAttributor) startKey(pid int32) (uint64, error) {
	return a.fs.startTime(pid)
}

func newAttributor(procRoot string, retryEvery int) attributor {
	return newProcAttributor(procRoot, retryEvery)
}

func (a *procAttributor) exeChanged(pid int32, exe string) bool {
	return a.fs.exeChanged(pid, exe)
}
