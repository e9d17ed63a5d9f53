package monitor

// Building a Listener from a socket and its holders, and re-checking what
// the scanner keeps of their processes.

import (
	"context"
)

// exeChecksPerScan is how many listeners per scan have their process's
// executable re-read, round robin.
const exeChecksPerScan = 2

// recheckExe catches a process that replaced itself with execve after it
// bound a socket (same pid, same start time, another program), or whose
// executable's path now names another file. Every holder of the listener
// is checked. Its cached facts are dropped so the next scan reports the new
// program (an owner_changed event when it is the owner, as SameOwner
// compares Exe) or the new identity.
// It reports whether it dropped anything.
func (s *Scanner) recheckExe(ls []Listener) (dropped bool) {
	for i := 0; i < min(exeChecksPerScan, len(ls)); i++ {
		s.exeAt = (s.exeAt + 1) % len(ls)
		l := &ls[s.exeAt]
		if l.PID == 0 {
			continue
		}
		if len(l.Holders) == 0 {
			dropped = s.recheckOne(&l.Process) || dropped
		}
		for j := range l.Holders {
			dropped = s.recheckOne(&l.Holders[j]) || dropped
		}
	}
	return dropped
}

func (s *Scanner) recheckOne(p *Process) bool {
	if p.Exe == "" || !s.attr.exeChanged(p.PID, p.Identity, p.Exe) {
		return false
	}
	for k, l := range s.cache {
		if k.pid == p.PID || holdsPid(l.Holders, p.PID) {
			delete(s.cache, k)
		}
	}
	s.facts.forget(p.PID)
	return true
}

func holdsPid(ps []Process, pid int32) bool {
	for _, p := range ps {
		if p.PID == pid {
			return true
		}
	}
	return false
}

// listener returns the Listener for socket so owned by pid, from the cache
// when this socket with this owner was seen before. refresh says that some
// socket's holders changed since the cache was last brought up to date.
func (s *Scanner) listener(ctx context.Context, so Socket, pid int32, refresh bool) Listener {
	k := listenerKey{so.Proto, so.Address, so.Port, so.Inode, so.UID, pid}
	if l, ok := s.cache[k]; ok {
		if !refresh || l.OwnerHidden {
			return l
		}
		s.hpids = s.attr.holders(so, s.hpids[:0])
		if !sameHolders(l.Holders, pid, s.hpids) {
			l.Holders = s.holdersOf(ctx, l.Process, s.hpids)
			s.cache[k] = l
		}
		return l
	}
	l := Listener{
		Proto: so.Proto, Family: so.Family, Address: so.Address.String(), Port: so.Port,
		Exposure: ExposureOf(so.Address), Inode: so.Inode, UID: so.UID,
	}
	s.placeNamespace(&l, so)
	if pid == 0 {
		l.OwnerHidden = true
		// Running unprivileged, a socket of our own uid whose holder cannot
		// be read was made unreadable on purpose (a non-dumpable process)
		// or is held by no process at all: not another user's.
		l.SelfHidden = s.uid != 0 && so.UID == s.uid
		l.User = s.facts.userName(so.UID)
		s.cache[k] = l
		return l
	}
	var err error
	l.Process, err = s.processFacts(ctx, pid)
	if err != nil {
		// Exited mid-scan: report the pid that held the socket, do not
		// cache, and look for the owner again next time.
		l.PID = pid
		s.attr.forget(so)
		s.lastReusable = false
		return l
	}
	s.hpids = s.attr.holders(so, s.hpids[:0])
	l.Holders = s.holdersOf(ctx, l.Process, s.hpids)
	s.cache[k] = l
	return l
}

// processFacts returns pid's facts from the cache, read again when the
// process has called execve since they were read: a pid keeps its start time
// across execve, so a child seen between fork and exec (holding its parent's
// sockets) would otherwise keep its parent's executable and command line
// for the program it became. One readlink and one statx per new listener.
func (s *Scanner) processFacts(ctx context.Context, pid int32) (Process, error) {
	start, err := s.attr.startKey(pid)
	if err != nil {
		return Process{}, err
	}
	p, err := s.facts.get(ctx, pid, start, s.attr.startKey)
	if err == nil && p.Exe != "" && s.attr.exeChanged(pid, p.Identity, p.Exe) {
		s.facts.forget(pid)
		p, err = s.facts.get(ctx, pid, start, s.attr.startKey)
	}
	return p, err
}

// holdersOf returns the holders' facts: owner first, then the others in the
// attributor's order. A holder that exited meanwhile is left out (the
// attributor's re-checks drop it soon).
func (s *Scanner) holdersOf(ctx context.Context, owner Process, pids []int32) []Process {
	hs := make([]Process, 1, len(pids)+1)
	hs[0] = owner
	for _, pid := range pids {
		if pid == owner.PID {
			continue
		}
		if p, err := s.processFacts(ctx, pid); err == nil {
			hs = append(hs, p)
		}
	}
	return hs
}

// sameHolders reports whether cached lists the holders pids would give.
func sameHolders(cached []Process, owner int32, pids []int32) bool {
	if len(cached) == 0 || cached[0].PID != owner {
		return false
	}
	i := 1
	for _, pid := range pids {
		if pid == owner {
			continue
		}
		if i >= len(cached) || cached[i].PID != pid {
			return false
		}
		i++
	}
	return i == len(cached)
}
