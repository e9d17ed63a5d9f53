package reach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
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

	nmMu   sync.Mutex
	nm     *nmClient
	nmDone bool // dialled, or tried and given up
	nmSaid error
}

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
	if err == nil {
		s.Conns = w.conns(ctx)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reads++
	w.err = err
	if err != nil {
		return false, err
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

// conns reads NetworkManager's connection names; nil when it does not
// run or cannot be asked, which is said once in the log.
func (w *Watcher) conns(ctx context.Context) map[string]Conn {
	if w.opts.NoNetworkManager {
		return nil
	}
	c := w.client()
	if c == nil {
		return nil
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
			w.log.Warn("networks are not named", "err", err)
		}
	}
	w.nmSaid = err
	return m
}

// client dials NetworkManager's bus once; nil when that failed.
func (w *Watcher) client() *nmClient {
	w.nmMu.Lock()
	defer w.nmMu.Unlock()
	if !w.nmDone {
		w.nmDone = true
		c, err := dialNM(w.opts.Bus)
		if err != nil {
			w.log.Debug("no system bus: networks are not named", "err", err)
		} else {
			w.nm = c
		}
	}
	return w.nm
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
	var sigs <-chan *nmSignal
	if c := w.client(); c != nil {
		sigs = c.wake()
	}
	for {
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
		case <-sigs:
		}
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
		drain(sigs)
		_, err := w.Refresh(ctx)
		if err != nil && !failing && ctx.Err() == nil {
			w.log.Warn("network state unreadable; keeping the last one", "err", err)
		}
		failing = err != nil
	}
}

// drain empties a channel of what is already waiting in it.
func drain[T any](c <-chan T) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
