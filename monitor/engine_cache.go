package monitor

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// EngineStatus says whether a container engine's API socket could be asked
// for the ports it publishes. `scan --json` prints it (engines).
type EngineStatus struct {
	// Name is "docker" or "podman".
	Name string `json:"name"`
	// Socket is the API socket's path.
	Socket string `json:"socket"`
	// Reachable is true when the last query was answered.
	Reachable bool `json:"reachable"`
	// Reason says why not: "permission denied", an untrusted owner, a
	// timeout.
	Reason string `json:"reason,omitempty"`
}

// engineSocket is one place an engine's API may listen.
type engineSocket struct {
	name string
	path string
	// own: only a socket of our own uid is believed (a rootless engine's,
	// in our runtime folder); otherwise root's or ours.
	own bool
}

// engineSocketChecker checks that a socket is one to believe and dials it;
// one implementation per OS (see engine_linux.go).
type engineSocketChecker interface {
	// check returns an identity of the socket file (so two paths of one
	// socket are asked once) and the owner's uid, or why not to ask it.
	// errNoEngine: nothing there.
	check(s engineSocket) (id [2]uint64, uid uint32, err error)
	// dial connects to the socket and checks the peer.
	dial(ctx context.Context, s engineSocket) (net.Conn, error)
}

// Refresh pacing: the engines are asked at most every engineEvery, or
// sooner (but not within engineMinGap) when the scan's listeners changed:
// a container started or stopped shows as a new namespace's listeners or a
// forwarder's.
const (
	engineEvery  = 10 * time.Second
	engineMinGap = time.Second
)

// engines keeps what the reachable engines publish, asked at a pace. The
// query runs in a goroutine of its own, one at a time, started by a scan
// when it is due: a scan merges the last answer and never waits on a
// socket, so a hung engine (or a socket that accepts and never answers)
// does not stall the scans.
type engines struct {
	socks   []engineSocket
	checker engineSocketChecker
	now     func() time.Time
	ctx     context.Context // cancelled by close: ends a query in flight
	cancel  context.CancelFunc

	// Owned by the query in flight (one at most).
	clients map[string]*engineClient
	ports   map[string][]pubPort // by socket path: the last answer
	logged  map[string]string    // socket path -> the reason last logged

	mu     sync.Mutex // guards what follows: the scan reads, the query writes
	status []EngineStatus
	all    []pubPort
	gen    uint64 // bumped when all changes
	at     time.Time
	busy   bool          // a query is in flight
	done   chan struct{} // closed when the query in flight ends
}

func newEngines(socks []engineSocket, c engineSocketChecker) *engines {
	if len(socks) == 0 || c == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &engines{socks: socks, checker: c, now: time.Now, ctx: ctx, cancel: cancel,
		clients: map[string]*engineClient{}, ports: map[string][]pubPort{}, logged: map[string]string{}}
}

// published returns the last answer's published ports and a generation
// that changes when they do, and starts a query when it is time (changed:
// the scan's listeners changed) and none is in flight. It does not wait
// for the query: its answer shows in a later scan.
func (e *engines) published(changed bool) ([]pubPort, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	age := now.Sub(e.at)
	if e.busy || e.ctx.Err() != nil || !e.at.IsZero() && age < engineEvery && (!changed || age < engineMinGap) {
		return e.all, e.gen
	}
	e.startLocked(now)
	return e.all, e.gen
}

// startLocked starts a query in its own goroutine; e.mu is held and none
// is in flight. Where no engine socket is there at all (most desktops) and
// none was asked before, there is nothing to ask: the answer, none, is
// had at once, with no goroutine to start and end every engineEvery.
func (e *engines) startLocked(now time.Time) {
	e.at = now
	if len(e.clients) == 0 && e.noneThere() {
		e.status = nil
		if len(e.all) > 0 {
			e.all = nil
			e.gen++
		}
		return
	}
	e.busy, e.done = true, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		e.refresh(e.ctx)
		e.mu.Lock()
		e.busy = false
		e.mu.Unlock()
	}(e.done)
}

// noneThere reports whether the checker can tell without a query, and
// without waking anything, that no engine socket is there.
func (e *engines) noneThere() bool {
	c, ok := e.checker.(interface{ absent(s engineSocket) bool })
	if !ok {
		return false
	}
	for _, s := range e.socks {
		if !c.absent(s) {
			return false
		}
	}
	return true
}

// askFirst starts the first query unless one has started, and returns the
// channel closed when the query in flight (or the last one) ends.
func (e *engines) askFirst() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.at.IsZero() && !e.busy && e.ctx.Err() == nil {
		e.startLocked(e.now())
	}
	return e.done
}

// wait blocks until the query in flight, if any, has ended.
func (e *engines) wait() {
	e.mu.Lock()
	done := e.done
	e.mu.Unlock()
	if done != nil {
		<-done
	}
}

// AwaitEngines asks the container engines for their published ports, if
// no scan has yet, and waits for the answer: at most the engines' own
// timeout, or until ctx ends. For a command that scans once, whose only
// scan should show the published ports; a scanner that scans in a loop
// has no need of it (each scan merges the last answer, never waiting).
func (s *Scanner) AwaitEngines(ctx context.Context) {
	if s.eng == nil {
		return
	}
	if done := s.eng.askFirst(); done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
}

// refresh asks every engine socket that is there and trusted, and keeps
// the answers. An engine that answered before and fails now keeps its last
// answer until it answers again or its socket goes, so one slow answer
// does not close and reopen its ports. One refresh at a time.
func (e *engines) refresh(ctx context.Context) {
	var status []EngineStatus
	seen := map[[2]uint64]bool{}
	var all []pubPort
	live := map[string]bool{}
	for _, s := range e.socks {
		id, uid, err := e.checker.check(s)
		if err == errNoEngine {
			continue
		}
		if err == nil && seen[id] {
			continue // /var/run/docker.sock and /run/docker.sock
		}
		seen[id] = true
		st := EngineStatus{Name: s.name, Socket: s.path}
		if err == nil {
			live[s.path] = true
			var ps []pubPort
			ps, err = e.ask(ctx, s, uid)
			if err == nil {
				e.ports[s.path] = ps
			}
		}
		if err != nil && ctx.Err() != nil {
			return // closing: nothing to report or keep
		}
		if err != nil {
			st.Reason = engineReason(err)
			e.logOnce(s, st.Reason)
		} else {
			st.Reachable = true
			e.logOnce(s, "")
		}
		status = append(status, st)
		if live[s.path] {
			// Only a socket still there and trusted keeps its last answer.
			all = append(all, e.ports[s.path]...)
		}
	}
	for p, c := range e.clients {
		if !live[p] {
			c.close()
			delete(e.clients, p)
		}
	}
	for p := range e.ports {
		if !live[p] {
			delete(e.ports, p)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.status = status
	if !slices.Equal(all, e.all) {
		e.all = all
		e.gen++
	}
}

// ask queries one engine and flattens its answer.
func (e *engines) ask(ctx context.Context, s engineSocket, uid uint32) ([]pubPort, error) {
	c := e.clients[s.path]
	if c == nil {
		c = newEngineClient(func(ctx context.Context) (net.Conn, error) { return e.checker.dial(ctx, s) })
		e.clients[s.path] = c
	}
	cs, engine, err := c.containers(ctx)
	if err != nil {
		return nil, err
	}
	ps := publishedPorts(cmp.Or(engine, s.name), cs)
	for i := range ps {
		ps[i].uid = uid
	}
	return ps, nil
}

// logOnce logs an engine that cannot be asked, once per reason, and once
// when it can be again.
func (e *engines) logOnce(s engineSocket, reason string) {
	last, ok := e.logged[s.path]
	if ok && last == reason || !ok && reason == "" {
		e.logged[s.path] = reason
		return
	}
	e.logged[s.path] = reason
	if reason == "" {
		slog.Info("container engine API reachable again", "subsystem", "monitor", "engine", s.name, "socket", s.path)
		return
	}
	slog.Info("container engine API not reachable: its published ports are seen only through host forwarders such as docker-proxy",
		"subsystem", "monitor", "engine", s.name, "socket", s.path, "reason", reason)
}

// statuses copies the last refresh's statuses.
func (e *engines) statuses() []EngineStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.status)
}

// close ends the query in flight (its context is cancelled: no socket is
// waited on) and drops the kept connections.
func (e *engines) close() {
	e.cancel()
	e.wait()
	for _, c := range e.clients {
		c.close()
	}
}

// Engines says which container engines the last scans could ask for their
// published ports; nil when none has an API socket here.
func (s *Scanner) Engines() []EngineStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eng == nil {
		return nil
	}
	return s.eng.statuses()
}
