package monitor

import (
	"cmp"
	"slices"
)

// endpoint is Listener.Key as a comparable value, without formatting: the
// addresses in a Snapshot come from netip.Addr.String, so equal addresses
// are equal strings.
type endpoint struct {
	port    uint16
	proto   Proto
	address string
	netns   uint64 // 0 for the host: the same port in two namespaces is two listeners
}

func endpointOf(l *Listener) endpoint { return endpoint{l.Port, l.Proto, l.Address, l.netnsKey()} }

func compareEndpoints(a, b endpoint) int {
	return cmp.Or(cmp.Compare(a.port, b.port), cmp.Compare(a.proto, b.proto), cmp.Compare(a.address, b.address),
		cmp.Compare(a.netns, b.netns))
}

// Diff returns what changed from prev to next: Opened for an endpoint (see
// Listener.Key) that next has and prev had not, Closed for the reverse, and
// OwnerChanged when the endpoint is held by another owner (see
// Listener.SameOwner). Several sockets may share an endpoint (SO_REUSEPORT,
// or UDP sockets of different processes): they are matched first as the
// same socket with the same owner, then by owner, and what is left is paired
// as owner changes, with any surplus opened or closed. Every event carries
// next.Time: a Closed listener is stamped when its absence was seen. Nil when
// nothing changed; at once when both snapshots hold the same slice.
func Diff(prev, next Snapshot) []Event {
	if len(prev.Listeners) == len(next.Listeners) &&
		(len(next.Listeners) == 0 || &prev.Listeners[0] == &next.Listeners[0]) {
		return nil // the same listeners: a Scanner's still tick
	}
	p := sortedIdx(prev.Listeners)
	n := sortedIdx(next.Listeners)
	var events []Event
	for i, j := 0, 0; i < len(p) || j < len(n); {
		var c int
		switch {
		case i == len(p):
			c = 1
		case j == len(n):
			c = -1
		default:
			c = compareEndpoints(endpointOf(&prev.Listeners[p[i]]), endpointOf(&next.Listeners[n[j]]))
		}
		// Extent of the group sharing the smaller endpoint on each side.
		ie, je := i, j
		if c <= 0 {
			ie = groupEnd(prev.Listeners, p, i)
		}
		if c >= 0 {
			je = groupEnd(next.Listeners, n, j)
		}
		events = matchGroup(events, prev.Listeners, p[i:ie], next.Listeners, n[j:je], next)
		i, j = ie, je
	}
	return events
}

func sortedIdx(ls []Listener) []int {
	idx := make([]int, len(ls))
	sorted := true
	for i := range idx {
		idx[i] = i
		if i > 0 && sorted && compareEndpoints(endpointOf(&ls[i-1]), endpointOf(&ls[i])) > 0 {
			sorted = false
		}
	}
	if sorted { // a Scanner's snapshot is: nothing to sort
		return idx
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return compareEndpoints(endpointOf(&ls[a]), endpointOf(&ls[b]))
	})
	return idx
}

func groupEnd(ls []Listener, idx []int, i int) int {
	e := endpointOf(&ls[idx[i]])
	j := i + 1
	for j < len(idx) && endpointOf(&ls[idx[j]]) == e {
		j++
	}
	return j
}

// matchGroup emits the events for one endpoint, given its sockets before (pi
// into prev) and after (ni into next).
func matchGroup(events []Event, prev []Listener, pi []int, next []Listener, ni []int, snap Snapshot) []Event {
	if len(pi) == 1 && len(ni) == 1 { // the common case
		// Copied only for an event: a copy whose address is taken is a
		// heap allocation, once per endpoint otherwise.
		if !prev[pi[0]].SameOwner(next[ni[0]]) {
			a := prev[pi[0]]
			events = append(events, Event{Kind: OwnerChanged, Time: snap.Time, Listener: next[ni[0]], Previous: &a})
		}
		return events
	}
	usedP := make([]bool, len(pi))
	usedN := make([]bool, len(ni))
	match := func(same func(a, b Listener) bool) {
		for x, a := range pi {
			if usedP[x] {
				continue
			}
			for y, b := range ni {
				if !usedN[y] && same(prev[a], next[b]) {
					usedP[x], usedN[y] = true, true
					break
				}
			}
		}
	}
	match(func(a, b Listener) bool { return a.Inode == b.Inode && a.SameOwner(b) })
	match(Listener.SameOwner)
	x := 0
	for y, b := range ni {
		if usedN[y] {
			continue
		}
		for x < len(pi) && usedP[x] {
			x++
		}
		if x < len(pi) {
			a := prev[pi[x]]
			usedP[x] = true
			events = append(events, Event{Kind: OwnerChanged, Time: snap.Time, Listener: next[b], Previous: &a})
			continue
		}
		events = append(events, Event{Kind: Opened, Time: snap.Time, Listener: next[b]})
	}
	for x, a := range pi {
		if !usedP[x] {
			events = append(events, Event{Kind: Closed, Time: snap.Time, Listener: prev[a]})
		}
	}
	return events
}
