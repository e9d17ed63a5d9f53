package resident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"portlight/history"
	"portlight/internal/corestart"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// noPurge starts the tests' recorders with their start-up purge an hour
// away: it runs with the real clock and the default retention, and could
// otherwise delete what a test recorded before the test counts it.
var noPurge = history.RecorderOptions{FirstPurge: time.Hour}

// quiet is a logger that discards, for histories whose logs no test reads.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// busyHistory is a resident on a real settings store and a real history
// in which /usr/bin/a held 5432/tcp for two hours, plus a second
// connection to the same file (another Portlight process, a CLI purge)
// that can hold the write lock.
type busyHistory struct {
	r     *resident
	n     *fakeNotifier
	sc    *fakeScanner
	other *sql.DB
	lock  *sql.Conn
	// t0 is the scans' clock, near the wall clock that the history's
	// retention and usual-owner arithmetic use: with the package's 1970
	// t0, a listener's first scan would make it a usual owner (decades
	// held) as soon as the recorder writes it.
	t0 time.Time
}

// seedUsualOwner writes an earlier run's history to path: /usr/bin/a held
// 5432/tcp for two hours, ending an hour before now, the time it returns.
// Tests scan near that wall clock, which the history's retention and
// usual-owner arithmetic use: with the package's 1970 t0, a listener's first
// scan would make it a usual owner (decades held) once the recorder wrote it.
func seedUsualOwner(t *testing.T, path string) time.Time {
	t.Helper()
	ctx := context.Background()
	seed, err := history.Open(ctx, history.Options{Path: path, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := history.StartRecorder(ctx, seed, noPurge)
	if err != nil {
		t.Fatal(err)
	}
	a := lst("0.0.0.0", 5432, 10, "a")
	now := time.Now()
	start := now.Add(-3 * time.Hour)
	rec.Record([]monitor.Event{
		{Kind: monitor.Opened, Time: start, Listener: a},
		{Kind: monitor.Closed, Time: start.Add(2 * time.Hour), Listener: a},
	})
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := seed.Close(); err != nil {
		t.Fatal(err)
	}
	return now
}

func newBusyHistory(t *testing.T) *busyHistory {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, history.FileName)
	now := seedUsualOwner(t, path)
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sc := &fakeScanner{}
	n := &fakeNotifier{}
	// Listeners above 40000 alert; every verdict still goes through the
	// store's policy, which asks the history about owner changes.
	assess := func(l monitor.Listener) policy.Assessment {
		a := store.Assess(l)
		if l.Port > 40000 {
			a.Verdict.Alert, a.Verdict.Severity = true, policy.SeverityLow
		}
		return a
	}
	r, _ := newTestResident(sc, n, store, assess)
	h := openHistory(ctx, quiet, path, noPurge, store)
	if h == nil {
		t.Fatal("the history did not open")
	}
	r.attachHistory(h)
	t.Cleanup(r.closeHistory)
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return &busyHistory{r: r, n: n, sc: sc, other: other, t0: now}
}

// holdWriteLock takes the database's write lock from the other connection.
func (b *busyHistory) holdWriteLock(t *testing.T) {
	t.Helper()
	c, err := b.other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	b.lock = c
	t.Cleanup(func() { // a test that failed with the lock held
		if b.lock == c {
			c.ExecContext(context.Background(), "ROLLBACK")
			c.Close()
		}
	})
}

func (b *busyHistory) releaseWriteLock(t *testing.T) {
	t.Helper()
	if _, err := b.lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	b.lock.Close()
	b.lock = nil
}

// ownerChangeAlert reports whether the tray holds an owner-change alert
// for port.
func (b *busyHistory) ownerChangeAlert(port uint16) bool {
	for _, al := range b.r.alerts.Recent() {
		if al.Assessment.Port == port && al.Assessment.Verdict.OwnerChange() {
			return true
		}
	}
	return false
}

// burst is n loopback listeners of one program above 40000: alerts.
func burst(from, n int) []monitor.Listener {
	var ls []monitor.Listener
	for i := range n {
		l := lst("127.0.0.1", uint16(from+i), int32(1000+from+i), "burst")
		l.Exposure = monitor.Loopback
		ls = append(ls, l)
	}
	return ls
}

// TestAlertBurstUnderWriteLockDoesNotStallOwnerChecks: while another
// connection holds the history's write lock, a burst of alerts is queued
// to the recorder (not one pooled connection each), so the next scan's
// owner-change checks still get a connection: none of them fails, the
// scan stays quick, the owner-change alert is raised, and the alerts are
// written once the lock is released.
func TestAlertBurstUnderWriteLockDoesNotStallOwnerChecks(t *testing.T) {
	ctx := context.Background()
	b := newBusyHistory(t)
	first := burst(47000, 40)
	b.sc.snaps = []monitor.Snapshot{
		snap(),
		snap(first...),
		// The next scan: /opt/b takes 5432, and ten more listeners come.
		snap(append(append(burst(47000, 40), burst(48000, 10)...), func() monitor.Listener {
			l := lst("0.0.0.0", 5432, 20, "b")
			l.Exe = "/opt/b"
			return l
		}())...),
	}
	b.r.tick(ctx, b.t0) // baseline
	b.holdWriteLock(t)
	// The owner check's timeout is 200 ms per listener: a scan whose eleven
	// checks waited for a connection would take over 2 s.
	const bound = 2 * time.Second
	for i := 1; i <= 2; i++ {
		start := time.Now()
		b.r.tick(ctx, b.t0.Add(time.Duration(i)*time.Second))
		d := time.Since(start)
		t.Logf("scan %d with the write lock held elsewhere: %v", i, d.Round(time.Millisecond))
		if d > bound {
			t.Errorf("scan %d took %v with the write lock held elsewhere, want < %v", i, d, bound)
		}
	}
	if n := b.r.hist.ownerFailures(); n != 0 {
		t.Errorf("%d owner-change checks failed while the lock was held: the alerts took the pool", n)
	}
	if !b.ownerChangeAlert(5432) {
		t.Errorf("no owner-change alert for 5432 while the lock was held: alerts %d", len(b.r.alerts.Recent()))
	}
	b.releaseWriteLock(t)
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.r.hist.rec.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.other.QueryRow("SELECT count(*) FROM alerts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	// The tray keeps a bounded log; the history has every alert raised.
	if kept := len(b.r.alerts.Recent()); n < kept || n < 41 {
		t.Errorf("%d alerts in the history, want at least the %d the tray keeps, and 41", n, kept)
	}
}

// waitPoolTaken waits until every pooled connection of the history is
// taken. A read does not wait for the write lock (WAL), so a read that
// cannot start within probe is one that waits for a connection.
func (b *busyHistory) waitPoolTaken(t *testing.T) {
	t.Helper()
	const probe = 500 * time.Millisecond // far above a free read's time
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), probe)
		_, err := b.r.hist.store.Owners(ctx, 1, monitor.TCP)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the history's connections are still not all taken after 20 s (last read: %v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOwnerChangeCheckFailureIsRetried: when the owner-change check cannot
// reach the database (every pooled connection waits for another process's
// write lock), the verdict is not kept: the listener is judged again, and
// the owner-change alert is raised once the database answers.
func TestOwnerChangeCheckFailureIsRetried(t *testing.T) {
	ctx := context.Background()
	b := newBusyHistory(t)
	bl := lst("0.0.0.0", 5432, 20, "b")
	bl.Exe = "/opt/b"
	b.sc.snaps = []monitor.Snapshot{snap(), snap(bl)}
	b.r.tick(ctx, b.t0) // baseline
	b.holdWriteLock(t)
	// Writers of this process take every pooled connection while they
	// wait for the lock. Each wait ends at the busy timeout (5 s): a
	// writer then tries again, so the pool stays taken until the lock is
	// released and every writer commits (or, should the test fail first,
	// until stop).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	defer wg.Wait()
	defer close(stop)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			l := lst("127.0.0.1", uint16(49000+i), 1, fmt.Sprint("w", i))
			for {
				if _, err := b.r.hist.store.RecordAlert(wctx, b.t0, l, nil); err == nil {
					return
				}
				select {
				case <-stop:
					return
				case <-wctx.Done():
					return
				default:
				}
			}
		}()
	}
	b.waitPoolTaken(t)
	b.r.tick(ctx, b.t0.Add(time.Second))
	if b.r.hist.ownerFailures() == 0 {
		t.Fatal("the owner check did not fail: the test did not exhaust the pool")
	}
	if b.ownerChangeAlert(5432) {
		t.Fatal("owner-change alert raised although the check failed")
	}
	b.releaseWriteLock(t)
	wg.Wait()
	// Unsure listeners are judged again every unsureRetryEvery (2 s of the
	// scans' clock): these scans give the check five more tries.
	for i := 2; i < 12 && !b.ownerChangeAlert(5432); i++ {
		b.r.tick(ctx, b.t0.Add(time.Duration(i)*time.Second))
	}
	if !b.ownerChangeAlert(5432) {
		t.Fatalf("no owner-change alert after the database answered again (verdicts %+v)", b.r.current)
	}
}

// openHistory opens the history at path for store, as Run does through
// corestart, with its recorder tuned by ropts; nil when it is not recorded.
func openHistory(ctx context.Context, log *slog.Logger, path string, ropts history.RecorderOptions, store *settings.Store) *corestart.Core {
	c := corestart.Open(ctx, corestart.Options{Settings: store, History: corestart.RecordHistory,
		HistoryPath: path, Recorder: ropts, Log: log})
	if c.Recorder == nil {
		c.Close()
		return nil
	}
	return c
}
