package monitor

// What the attributor keeps between scans: re-checking cached holders,
// dropping what is gone, and answering from the cache.

// verify re-checks the holders of a few sockets per scan, round robin, and
// forgets those whose fd no longer holds the socket (the holder exited or
// closed it, or the socket is closing). A socket left with no holder goes
// to a.dropped for the rest of the scan.
func (a *procAttributor) verify(socks []Socket) {
	clear(a.dropped)
	if len(socks) == 0 {
		return
	}
	n := min(a.verifyPerScan, len(socks))
	for j := 0; j < n; j++ {
		a.cursor = (a.cursor + 1) % len(socks)
		s := socks[a.cursor]
		hs, ok := a.held[s.Inode]
		if !ok {
			continue
		}
		kept := hs[:0]
		first := hs[0]
		for _, h := range hs {
			if a.fs.fdIsSocket(h.pid, h.fd, s.Inode) {
				kept = append(kept, h)
			}
		}
		switch {
		case len(kept) == len(hs):
		case len(kept) == 0:
			delete(a.held, s.Inode)
			a.dropped[s.Inode] = first
			a.gen++
		default:
			a.held[s.Inode] = kept
			a.gen++
		}
	}
}

// sweep drops cache entries of sockets that are gone, when there are enough
// of them to matter; a steady scan does not pay for it.
func (a *procAttributor) sweep(socks []Socket) {
	if len(a.held)+len(a.negative) <= 2*len(socks)+64 {
		return
	}
	clear(a.live)
	for _, s := range socks {
		a.live[s.Inode] = true
	}
	for ino := range a.held {
		if !a.live[ino] {
			delete(a.held, ino)
		}
	}
	for ino := range a.negative {
		if !a.live[ino] {
			delete(a.negative, ino)
		}
	}
}

// forget drops what is known of the socket's holders, so the next scan
// looks for them afresh (its owner exited while the scan read its facts).
func (a *procAttributor) forget(s Socket) {
	if _, ok := a.held[s.Inode]; ok {
		delete(a.held, s.Inode)
		a.gen++
	}
}

// holders appends to out the pids holding s, the primary first: a map
// lookup, no /proc access.
func (a *procAttributor) holders(s Socket, out []int32) []int32 {
	for _, h := range a.held[s.Inode] {
		out = append(out, h.pid)
	}
	return out
}

// holdersGen changes whenever the holders of any socket change.
func (a *procAttributor) holdersGen() uint64 { return a.gen }

func (a *procAttributor) startKey(pid int32) (uint64, error) {
	return a.fs.startTime(pid)
}

func newAttributor(procRoot string, retryEvery int) attributor {
	return newProcAttributor(procRoot, retryEvery)
}

func (a *procAttributor) exeChanged(pid int32, id ExeIdentity, exe string) bool {
	return a.fs.exeChanged(pid, id, exe)
}
