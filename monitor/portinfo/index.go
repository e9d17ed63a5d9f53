package portinfo

// span is a closed port interval [lo, hi] that refers to item id.
type span struct {
	lo, hi uint16
	id     int32
}

// portIndex maps each port to the ids of the items whose interval covers it,
// in the order the spans were given. It is a compressed sparse row table:
// ids[start[p]:start[p+1]] are the items for port p, so a lookup is two
// array reads and no search. Memory is 256 KiB for start plus 4 bytes per
// (item, covered port) pair.
type portIndex struct {
	start []uint32 // len 65537
	ids   []int32
}

// newPortIndex builds the index of spans. Spans with lo > hi are ignored.
func newPortIndex(spans []span) *portIndex {
	ix := &portIndex{start: make([]uint32, 65537)}
	for _, s := range spans {
		if s.lo > s.hi {
			continue
		}
		for p := int(s.lo); p <= int(s.hi); p++ {
			ix.start[p+1]++
		}
	}
	for p := 1; p < len(ix.start); p++ {
		ix.start[p] += ix.start[p-1]
	}
	ix.ids = make([]int32, ix.start[65536])
	next := make([]uint32, 65536)
	copy(next, ix.start[:65536])
	for _, s := range spans {
		if s.lo > s.hi {
			continue
		}
		for p := int(s.lo); p <= int(s.hi); p++ {
			ix.ids[next[p]] = s.id
			next[p]++
		}
	}
	return ix
}

// at returns the ids of the items covering port, in span order. The slice
// is shared: do not modify it.
func (ix *portIndex) at(port uint16) []int32 {
	return ix.ids[ix.start[port]:ix.start[int(port)+1]]
}
