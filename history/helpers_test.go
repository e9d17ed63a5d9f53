package history

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"portlight/monitor"
)

// t0 is the tests' epoch: a fixed, recent time.
var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// quiet is a logger that discards, for stores whose logs the test does not read.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// openTest opens a store in a fresh folder with a settable clock.
func openTest(t testing.TB, opts Options) (*Store, *clock) {
	t.Helper()
	c := &clock{t: t0}
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "state", FileName)
	}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

// startTest starts a recorder whose timers never fire during a test: not
// even the start-up purge, which would otherwise race the tests' own Purge
// calls (it did on a loaded CI machine: TestPurgeByAge found nothing left).
func startTest(t testing.TB, s *Store) *Recorder {
	t.Helper()
	r, err := StartRecorder(context.Background(), s, RecorderOptions{TouchEvery: time.Hour, PurgeEvery: time.Hour, FirstPurge: time.Hour})
	if err != nil {
		t.Fatalf("StartRecorder: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// listener builds a listener owned by exe.
func listener(port uint16, exe string, pid int32) monitor.Listener {
	return monitor.Listener{
		Proto: monitor.TCP, Family: monitor.IPv4, Address: "127.0.0.1", Port: port,
		Exposure: monitor.Loopback, UID: 1000,
		Process: monitor.Process{PID: pid, Exe: exe, Name: filepath.Base(exe), User: "ann",
			Cmdline: fmt.Sprintf("%s --port %d", exe, port), StartTime: t0.Add(-time.Minute)},
	}
}

func ev(kind monitor.EventKind, at time.Time, l monitor.Listener) monitor.Event {
	return monitor.Event{Kind: kind, Time: at, Listener: l}
}

// record writes events and waits until they are committed.
func record(t testing.TB, r *Recorder, events ...monitor.Event) {
	t.Helper()
	if !r.Record(events) {
		t.Fatal("Record dropped events")
	}
	if err := r.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if st := r.Stats(); st.LastErr != nil {
		t.Fatalf("recorder error: %v", st.LastErr)
	}
}

// count runs a count(*) query.
func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
