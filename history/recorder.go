package history

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"portlight/internal/filelock"
	"portlight/monitor"
)

// ErrRecorderBusy means another process (the tray app, or another `portlight
// watch`) is already recording into this history; record nothing rather than
// every event twice.
var ErrRecorderBusy = errors.New("history: another Portlight process is recording")

// RecorderOptions tune a Recorder; the zero value is the defaults.
type RecorderOptions struct {
	// Queue is how many event batches may wait for the writer (default 1024).
	// Beyond it, batches are dropped and counted: the monitor never waits.
	Queue int
	// MaxBatch is how many events one transaction may carry (default 4096).
	MaxBatch int
	// TouchEvery is how often open sessions' last_seen is refreshed (default
	// DefaultTouchEvery).
	TouchEvery time.Duration
	// PurgeEvery is how often retention runs (default DefaultPurgeEvery).
	PurgeEvery time.Duration
	// FirstPurge is how long after start retention first runs (default: at
	// once). Tests that call Store.Purge themselves set it past their end so
	// the start-up purge cannot race theirs.
	FirstPurge time.Duration
	// Driven leaves the timing to the caller: the recorder keeps no timer
	// of its own (TouchEvery, PurgeEvery and FirstPurge are unused) and
	// refreshes last_seen or applies retention when Touch or Purge asks. A
	// process that wakes on a tick anyway (the resident) calls them from
	// it, so that the process wakes once per tick and not on several
	// schedules.
	Driven bool
}

// DefaultTouchEvery and DefaultPurgeEvery are the recorder's intervals when
// it keeps its own time, and what a Driven recorder's caller should use.
const (
	DefaultTouchEvery = time.Minute
	DefaultPurgeEvery = 10 * time.Minute
)

// RecorderStats count what a Recorder did.
type RecorderStats struct {
	Recorded uint64 // events, alerts and actions committed
	Dropped  uint64 // events, alerts and actions dropped because the queue was full
	Failed   uint64 // events, alerts and actions lost to a failed transaction
	LastErr  error  // the last write or purge error, nil when none
}

// Recorder writes monitor events to the store from its own goroutine. Record
// never blocks; writes are batched into transactions.
type Recorder struct {
	s    *Store
	opts RecorderOptions
	ch   chan batch
	w    *writer
	// keyed maps the caller's alert keys to the rows of their latest
	// alerts, for MarkAlert; only the writer goroutine touches it.
	keyed *alertKeys

	heartbeat atomic.Int64 // Unix ms of the caller's last scan, 0 when never told
	recorded  atomic.Uint64
	dropped   atomic.Uint64
	failed    atomic.Uint64
	mu        sync.Mutex
	lastErr   error

	cancel  context.CancelFunc
	done    chan struct{}
	lock    *filelock.Lock
	closeMu sync.Once
}

// batch is one call's events, alert or action on an alert, or a flush
// request when flushed is set.
type batch struct {
	events  []monitor.Event
	alert   *alertRow
	mark    *markRow
	note    *Note
	chore   chore
	flushed chan struct{}
}

// markRow is an action on an alert waiting to be written.
type markRow struct {
	key    string
	action Action
	t      time.Time
}

// StartRecorder takes the store's recorder lock (ErrRecorderBusy when another
// process holds it), closes the sessions a previous run left open (at their
// last_seen: that run crashed or quit), and starts the writer and the
// background purge. They stop when ctx ends or Close is called.
func StartRecorder(ctx context.Context, s *Store, opts RecorderOptions) (*Recorder, error) {
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	if opts.TouchEvery <= 0 {
		opts.TouchEvery = DefaultTouchEvery
	}
	if opts.PurgeEvery <= 0 {
		opts.PurgeEvery = DefaultPurgeEvery
	}
	// The kernel drops the lock when the process dies: a crashed recorder
	// never leaves a stale one.
	lock, err := filelock.TryLock(s.path + ".lock")
	if errors.Is(err, filelock.ErrLocked) {
		return nil, ErrRecorderBusy
	}
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if n, err := s.closeAll(ctx, time.Time{}); err != nil {
		lock.Release()
		return nil, err
	} else if n > 0 {
		s.log.Info("closed sessions left open by the previous run", "count", n)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Recorder{
		s: s, opts: opts, ch: make(chan batch, opts.Queue), w: newWriter(), keyed: newAlertKeys(maxAlertKeys),
		cancel: cancel, done: make(chan struct{}), lock: lock,
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.run(ctx) }()
	if !opts.Driven {
		wg.Add(1)
		go func() { defer wg.Done(); r.purgeLoop(ctx) }()
	}
	go func() { wg.Wait(); close(r.done) }()
	return r, nil
}

// Record queues a scan's events for writing and returns at once. When the
// queue is full the events are dropped and counted (see Stats); it returns
// whether they were queued. events is copied.
func (r *Recorder) Record(events []monitor.Event) bool {
	if len(events) == 0 {
		return true
	}
	b := batch{events: append([]monitor.Event(nil), events...)}
	select {
	case r.ch <- b:
		return true
	default:
		if r.dropped.Add(uint64(len(events))) == uint64(len(events)) {
			r.s.log.Warn("history queue full, dropping events (counted in stats)")
		}
		return false
	}
}

// RecordAlert queues an alert raised at t for l with the policy's reasons
// and returns at once, like Record: it is written by the recorder's
// goroutine in its next transaction, so a burst of alerts takes one
// connection, not one each (which would starve the owner-change reads the
// policy makes on the monitor's goroutine). key is the caller's name for
// the alert, for MarkAlert ("" when it will not be marked; a later alert
// with the same key takes it over). When the queue is full the alert is
// dropped and counted; it returns whether it was queued.
func (r *Recorder) RecordAlert(key string, t time.Time, l monitor.Listener, reasons []string) bool {
	return r.queue(batch{alert: &alertRow{key: key, t: t, l: l, reasons: slices.Clone(reasons)}})
}

// MarkAlert queues what the user did, at t, with the latest alert recorded
// under key, and returns at once like RecordAlert; an action weaker than
// the one already recorded is ignored (see Action). An action on a key this
// recorder has not written (the alert was dropped, or raised before a
// restart) is counted as failed.
func (r *Recorder) MarkAlert(key string, a Action, t time.Time) bool {
	if key == "" || a.strength() == 0 {
		return false
	}
	return r.queue(batch{mark: &markRow{key: key, action: a, t: t}})
}

// queue hands one alert or action to the writer without waiting.
func (r *Recorder) queue(b batch) bool {
	select {
	case r.ch <- b:
		return true
	default:
		if r.dropped.Add(1) == 1 {
			r.s.log.Warn("history queue full, dropping events (counted in stats)")
		}
		return false
	}
}

// Heartbeat tells the recorder the monitor completed a scan at t; open
// sessions' last_seen is refreshed to the latest heartbeat (or to the wall
// clock when Heartbeat is never called). It never blocks.
func (r *Recorder) Heartbeat(t time.Time) { r.heartbeat.Store(ms(t)) }

// Flush waits until every batch queued before it is committed (or dropped
// by a failed transaction).
func (r *Recorder) Flush(ctx context.Context) error {
	b := batch{flushed: make(chan struct{})}
	select {
	case r.ch <- b:
	case <-r.done:
		return errors.New("history: recorder stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-b.flushed:
		return nil
	case <-r.done:
		return errors.New("history: recorder stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns the counters.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return RecorderStats{Recorded: r.recorded.Load(), Dropped: r.dropped.Load(),
		Failed: r.failed.Load(), LastErr: r.lastErr}
}

// Close stops the recorder: queued events are written, open sessions are
// closed as "stopped" at the last time they were known to be there, and the
// recorder lock is released. The store stays open.
func (r *Recorder) Close() error {
	r.closeMu.Do(func() {
		r.cancel()
		<-r.done
		// A fresh context: the recorder's own was cancelled to stop it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := r.s.closeAll(ctx, r.seenAt()); err != nil {
			r.setErr(err)
		}
		r.lock.Release()
	})
	return r.Stats().LastErr
}

// seenAt is when open sessions were last known to be there.
func (r *Recorder) seenAt() time.Time {
	if hb := r.heartbeat.Load(); hb != 0 {
		return fromMS(hb)
	}
	return r.s.opts.Now()
}

func (r *Recorder) setErr(err error) {
	r.mu.Lock()
	r.lastErr = err
	r.mu.Unlock()
	r.s.log.Error("history write failed", "err", err)
}

// run is the writer goroutine: it drains the queue into transactions and
// refreshes last_seen on a timer.
func (r *Recorder) run(ctx context.Context) {
	var touched <-chan time.Time // nil, never ready, when Driven
	if !r.opts.Driven {
		touch := time.NewTicker(r.opts.TouchEvery)
		defer touch.Stop()
		touched = touch.C
	}
	for {
		select {
		case b := <-r.ch:
			r.drain(ctx, b)
		case <-touched:
			r.touch(ctx)
		case <-ctx.Done():
			// Write what is queued, without the cancelled context.
			for {
				select {
				case b := <-r.ch:
					r.drain(context.Background(), b)
				default:
					return
				}
			}
		}
	}
}

// drain writes b and whatever else is queued (up to MaxBatch events) in one
// transaction, then releases any flush requests among them.
func (r *Recorder) drain(ctx context.Context, first batch) {
	// A write in progress finishes even when the recorder is stopping.
	ctx = context.WithoutCancel(ctx)
	var events []monitor.Event
	var alerts []alertRow
	var marks []markRow
	var notes []Note
	var flushes []chan struct{}
	var chores chore
	add := func(b batch) {
		chores |= b.chore
		events = append(events, b.events...)
		if b.alert != nil {
			alerts = append(alerts, *b.alert)
		}
		if b.mark != nil {
			marks = append(marks, *b.mark)
		}
		if b.note != nil {
			notes = append(notes, *b.note)
		}
		if b.flushed != nil {
			flushes = append(flushes, b.flushed)
		}
	}
	add(first)
more:
	for len(events)+len(alerts)+len(marks)+len(notes) < r.opts.MaxBatch {
		select {
		case b := <-r.ch:
			add(b)
		default:
			break more
		}
	}
	if n := len(events) + len(alerts) + len(marks) + len(notes); n > 0 {
		lost, err := r.write(ctx, events, alerts, marks, notes)
		if err != nil {
			r.failed.Add(uint64(n))
			r.setErr(err)
			if err := r.w.reload(context.Background(), r.s.db); err != nil {
				r.setErr(fmt.Errorf("history: reload open sessions: %w", err))
			}
		} else {
			r.recorded.Add(uint64(n - lost))
			r.failed.Add(uint64(lost))
		}
	}
	r.upkeep(ctx, chores)
	for _, f := range flushes {
		close(f)
	}
}

// purgeLoop applies retention FirstPurge after start and every PurgeEvery.
func (r *Recorder) purgeLoop(ctx context.Context) {
	t := time.NewTimer(max(r.opts.FirstPurge, 0))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.purge(ctx)
			t.Reset(r.opts.PurgeEvery)
		}
	}
}
