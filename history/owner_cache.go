package history

import (
	"sync"
	"time"

	"portlight/monitor"
)

// ownerCacheTTL is how long an OwnerChange answer is reused. The recorder
// forgets a port's answers when it writes sessions for it; what changes
// without a write is the held time of open sessions, which makes a new
// owner usual after an hour (UsualMinHeld): a few minutes late is fine.
// A process that reads a history another one records (portlight watch
// beside the tray) sees the other's sessions within this time.
const ownerCacheTTL = 5 * time.Minute

// maxOwnerCache bounds the cache; beyond it, it starts afresh.
const maxOwnerCache = 8192

// portKey is a port and protocol, the unit of the owners table.
type portKey struct {
	port  uint16
	proto monitor.Proto
}

// ownerAnswer is one OwnerChange answer; failed ones are never cached.
type ownerAnswer struct {
	usual  string
	held   time.Duration
	ok     bool
	failed bool
	at     time.Time
}

// ownerCache holds OwnerChange answers by port and executable. gen moves
// on every invalidation, so an answer computed from a database read that
// an invalidation overtook is not stored.
type ownerCache struct {
	mu      sync.Mutex
	gen     uint64
	n       int
	answers map[portKey]map[string]ownerAnswer
}

func (c *ownerCache) get(k portKey, exe string, now time.Time) (ownerAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[k][exe]
	if !ok || now.Sub(a.at) >= ownerCacheTTL || now.Before(a.at) {
		return ownerAnswer{}, false
	}
	return a, true
}

func (c *ownerCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *ownerCache) put(k portKey, exe string, a ownerAnswer, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.answers == nil || c.n >= maxOwnerCache {
		c.answers, c.n = map[portKey]map[string]ownerAnswer{}, 0
	}
	m := c.answers[k]
	if m == nil {
		m = map[string]ownerAnswer{}
		c.answers[k] = m
	}
	if _, ok := m[exe]; !ok {
		c.n++
	}
	a.at = now
	m[exe] = a
}

// forget drops the answers for these ports, or all of them when ports is nil.
func (c *ownerCache) forget(ports map[portKey]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if ports == nil {
		c.answers, c.n = nil, 0
		return
	}
	for k := range ports {
		c.n -= len(c.answers[k])
		delete(c.answers, k)
	}
}
