package reach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Watcher. The zero value watches this machine and
// asks NetworkManager on the system bus.
type Options struct {
	// Bus is the D-Bus address where NetworkManager is asked; "" means the
	// system bus (DBUS_SYSTEM_BUS_ADDRESS or its usual socket).
	Bus string
	// NoNetworkManager leaves connection names out.
	NoNetworkManager bool
	// Log receives what goes wrong, once each; nil uses slog.Default.
	Log *slog.Logger
}

// settle is how long the Watcher waits after a change for the rest of a
// burst (an interface going up brings its link, addresses and routes
// one message each) before it reads the state again.
const settle = 100 * time.Millisecond

// nmTimeout bounds one reading of NetworkManager's connections.
const nmTimeout = 2 * time.Second

// Watcher keeps the machine's State and classifies addresses with it. It
// reads the state on first use and then again only when Run hears that
// the kernel's links, addresses or routes, or NetworkManager's
// connections, changed. Safe for concurrent use.
type Watcher struct {
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	state *State
	err   error  // the last reading's error, nil when it worked
	gen   uint64 // counts changes of state
	reads uint64 // counts readings

	nmMu    sync.Mutex
	nm      *nmClient
	nmNext  time.Time     // no dialling or retried reading before this
	nmWait  time.Duration // the current pause between attempts
	nmStale bool          // the last attempt to read names failed
	nmSaid  error
	dialErr string // the last dialling error logged

	wakes atomic.Uint64 // counts Run's wake-ups (for tests)
}

// The pauses between attempts to reach NetworkManager's bus, or to read
// its names, after one failed: one second, doubling up to a minute.
const (
	minRetry = time.Second
	maxRetry = time.Minute
)

// NewWatcher returns a Watcher; it reads nothing yet.
func NewWatcher(o Options) *Watcher {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	return &Watcher{opts: o, log: log.With("subsystem", "reach")}
}

var (
	systemOnce sync.Once
	system     *Watcher
)

// System returns the process's shared Watcher of this machine.
func System() *Watcher {
	systemOnce.Do(func() { system = NewWatcher(Options{}) })
	return system
}

// Classify says what a listener bound to addr reaches, by the last state
// read (reading it first if none was). When the state cannot be read, a
// loopback address reaches this computer and anything else everywhere,
// with no networks named: the old rule, which never says less than the
// truth.
func (w *Watcher) Classify(addr netip.Addr) Result {
	if s := w.State(); s != nil {
		return s.Classify(addr)
	}
	if addr.Unmap().IsLoopback() {
		return Result{Level: ThisComputer, Networks: []Network{}}
	}
	return Result{Level: Everywhere, Networks: []Network{}}
}

// State returns the last state read, reading it first if none was; nil
// when it cannot be read. The state is shared: do not change it.
func (w *Watcher) State() *State {
	w.mu.Lock()
	s, read := w.state, w.reads > 0
	w.mu.Unlock()
	if !read {
		w.Refresh(context.Background())
		w.mu.Lock()
		s = w.state
		w.mu.Unlock()
	}
	return s
}

// Generation counts the changes of state seen so far: it moves only when
// a reading differs from the one before, so a caller can tell "something
// decided differently may now" from "something was only signalled".
func (w *Watcher) Generation() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.gen
}

// Reads counts the readings done so far (for tests and measurements).
func (w *Watcher) Reads() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reads
}

// Refresh reads the state again, from the kernel and NetworkManager, and
// reports whether it changed. A kernel that cannot be read keeps the last
// state and returns the error.
func (w *Watcher) Refresh(ctx context.Context) (changed bool, err error) {
	s, err := ReadKernel()
	var named bool
	if err == nil {
		s.Conns, named = w.conns(ctx)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reads++
	w.err = err
	if err != nil {
		return false, err
	}
	if !named && w.state != nil {
		// One failed reading must not forget the names: a network marked
		// public by name would stop counting as public until the next
		// change. They are read again later (see retryIn).
		s.Conns = w.state.Conns
	}
	if w.state.Equal(s) {
		return false, nil
	}
	first := w.state == nil
	w.state = s
	if !first {
		w.gen++
	}
	return !first, nil
}

// conns reads NetworkManager's connection names, and reports whether it
// could: nil and true when NetworkManager does not run on the bus, which
// is said once in the log; nil and false when the bus cannot be reached
// or the reading failed (the caller keeps the last names; Run tries
// again after a pause).
func (w *Watcher) conns(ctx context.Context) (map[string]Conn, bool) {
	if w.opts.NoNetworkManager {
		return nil, true
	}
	c := w.client()
	if c == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, nmTimeout)
	defer cancel()
	m, err := c.conns(ctx)
	w.nmMu.Lock()
	defer w.nmMu.Unlock()
	if err != nil && (w.nmSaid == nil || w.nmSaid.Error() != err.Error()) {
		if errors.Is(err, errNoNM) {
			w.log.Debug("no NetworkManager: networks are not named")
		} else {
			w.log.Warn("networks cannot be named; keeping the last names", "err", err)
		}
	}
	w.nmSaid = err
	if err != nil && !errors.Is(err, errNoNM) {
		if !c.connected() {
			w.dropLocked(c)
		} else {
			w.failedLocked()
		}
		return nil, false
	}
	w.nmStale, w.nmWait = false, 0
	return m, true
}

// client returns the connection to NetworkManager's bus, dialling it when
// there is none and the pause after the last failure is over; nil when
// there is none.
func (w *Watcher) client() *nmClient {
	w.nmMu.Lock()
	defer w.nmMu.Unlock()
	if w.nm != nil || time.Now().Before(w.nmNext) {
		return w.nm
	}
	c, err := dialNM(w.opts.Bus)
	if err != nil {
		if err.Error() != w.dialErr {
			w.dialErr = err.Error()
			w.log.Debug("no system bus: networks are not named", "err", err)
		}
		w.failedLocked()
		return nil
	}
	w.nm, w.dialErr = c, ""
	return c
}

// current returns the connection to the bus, nil when there is none; it
// does not dial.
func (w *Watcher) current() *nmClient {
	w.nmMu.Lock()
	defer w.nmMu.Unlock()
	return w.nm
}

// drop forgets c, a connection that ended, and closes it; the bus is
// dialled again after a pause.
func (w *Watcher) drop(c *nmClient) {
	w.nmMu.Lock()
	defer w.nmMu.Unlock()
	w.dropLocked(c)
}

// dropLocked is drop with nmMu held.
func (w *Watcher) dropLocked(c *nmClient) {
	if c == nil || w.nm != c {
		return
	}
	w.log.Info("lost the connection to the system bus; networks keep their last names until it is back")
	c.close()
	w.nm, w.nmWait = nil, 0
	w.failedLocked()
}

// failedLocked notes a failed attempt to reach or read NetworkManager and
// sets when to try again, the pause doubling each time. Called with nmMu
// held.
func (w *Watcher) failedLocked() {
	w.nmStale = true
	w.nmWait = min(max(2*w.nmWait, minRetry), maxRetry)
	w.nmNext = time.Now().Add(w.nmWait)
}

// retryIn says, after a failed attempt to reach or read NetworkManager,
// how long until the next one; false when there is nothing to retry.
func (w *Watcher) retryIn() (time.Duration, bool) {
	if w.opts.NoNetworkManager {
		return 0, false
	}
	w.nmMu.Lock()
	defer w.nmMu.Unlock()
	if !w.nmStale {
		return 0, false
	}
	return max(time.Until(w.nmNext), 0), true
}

// Run reads the state, then reads it again whenever the kernel reports a
// change of links, addresses or routes, or NetworkManager signals one,
// until ctx ends. It returns an error only when the kernel's changes
// cannot be heard at all; NetworkManager is optional.
func (w *Watcher) Run(ctx context.Context) error {
	k, err := subscribeKernel()
	if err != nil {
		return fmt.Errorf("watch network changes: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { k.close() })
	defer stop()
	defer k.close()
	// Subscribe before the first reading, so no change falls between.
	w.Refresh(ctx)
	kernel := make(chan error, 1)
	go func() {
		for {
			changed, err := k.wait(time.Time{})
			if err != nil {
				select {
				case kernel <- err:
				case <-ctx.Done():
				}
				return
			}
			if changed {
				select {
				case kernel <- nil:
				default:
				}
			}
		}
	}()
	failing := false
	// The bus connection whose signals are heard: it changes when the bus
	// goes away (godbus then closes the channel) and is dialled again.
	var cur *nmClient
	var sigs <-chan *nmSignal
	follow := func() {
		if c := w.current(); c != cur {
			cur, sigs = c, c.wake()
		}
	}
	follow()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		if d, ok := w.retryIn(); ok {
			retry.Reset(d)
		} else {
			retry.Stop()
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-kernel:
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("watch network changes: %w", err)
			}
		case sig, ok := <-sigs:
			w.wakes.Add(1)
			if !ok {
				// The bus went away: no reading can name networks now.
				w.drop(cur)
				follow()
				continue
			}
			if !cur.heard(sig) {
				continue
			}
		case <-retry.C:
			// Read again; the reading dials the bus if need be.
		}
		w.wakes.Add(1)
		// Let the burst settle, then read once for all of it.
		t := time.NewTimer(settle)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		select {
		case err := <-kernel:
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("watch network changes: %w", err)
			}
		default:
		}
		if !drain(sigs) {
			w.drop(cur)
		}
		_, err := w.Refresh(ctx)
		if err != nil && !failing && ctx.Err() == nil {
			w.log.Warn("network state unreadable; keeping the last one", "err", err)
		}
		failing = err != nil
		follow()
	}
}

// drain empties a channel of what is already waiting in it, and reports
// whether the channel is still open.
func drain[T any](c <-chan T) (open bool) {
	for {
		select {
		case _, ok := <-c:
			if !ok {
				return false
			}
		default:
			return true
		}
	}
}
