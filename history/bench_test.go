package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"portlight/monitor"
)

// The benchmark fixture: benchSessions sessions over 90 days on benchPorts
// ports (port hotPort takes a tenth of them), owned by benchExes executables,
// plus benchAlerts alerts. It is built once (one transaction, prepared
// statements) and cached in the temp dir across runs; delete
// $TMPDIR/portlight-history-bench-*.db to rebuild.
const (
	benchSessions = 1_000_000
	benchPorts    = 2000
	benchExes     = 500
	benchAlerts   = 20_000
	hotPort       = 5173
	typicalPort   = 20_100 // one of the benchPorts ports: ~450 sessions
)

var benchEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

var (
	fixtureOnce sync.Once
	fixturePath string
	fixtureErr  error
)

// benchStore opens the cached fixture, building it when missing.
func benchStore(b *testing.B) *Store {
	b.Helper()
	fixtureOnce.Do(func() {
		fixturePath = filepath.Join(os.TempDir(), fmt.Sprintf("portlight-history-bench-v%d-%d.db", SchemaVersion, benchSessions))
		if _, err := os.Stat(fixturePath); err == nil {
			return
		}
		start := time.Now()
		fixtureErr = buildFixture(fixturePath)
		fmt.Printf("built %d-session fixture %s in %v\n", benchSessions, fixturePath, time.Since(start).Round(time.Millisecond))
	})
	if fixtureErr != nil {
		b.Fatalf("fixture: %v", fixtureErr)
	}
	s, err := Open(context.Background(), Options{Path: fixturePath, Logger: quiet,
		MaxBytes: 1 << 40, Now: func() time.Time { return benchEnd }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// buildFixture writes the fixture to path+".tmp" and renames it into place,
// so an interrupted build is never reused.
func buildFixture(path string) error {
	tmp := path + ".tmp"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
		os.Remove(p)
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: tmp, Logger: quiet})
	if err != nil {
		return err
	}
	defer s.Close()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -500000"); err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	exeStmt, err := tx.PrepareContext(ctx, "INSERT INTO exes(id, path) VALUES (?, ?)")
	if err != nil {
		return err
	}
	for i := 1; i <= benchExes; i++ {
		if _, err := exeStmt.ExecContext(ctx, i, fmt.Sprintf("/usr/lib/app%d/bin/server%d", i, i)); err != nil {
			return err
		}
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO sessions(id, proto, address, port, exposure, exe_id, pid, uid, user,
		cmdline, owner_hidden, start_time, start_kind, prev_exe_id, first_seen, last_seen, closed_at, end_kind)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	span := (90 * 24 * time.Hour).Milliseconds()
	begin := ms(benchEnd) - span
	step := span / benchSessions
	for i := 1; i <= benchSessions; i++ {
		port := 20_000 + rng.IntN(benchPorts)
		if rng.IntN(10) == 0 {
			port = hotPort
		}
		proto, addr, exposure := "tcp", "127.0.0.1", "loopback"
		if rng.IntN(5) == 0 {
			proto = "udp"
		}
		if rng.IntN(3) == 0 {
			addr, exposure = "0.0.0.0", "network"
		}
		exe := 1 + (port*7+rng.IntN(3))%benchExes
		first := begin + int64(i)*step
		held := 1000 + rng.Int64N(2*3600*1000)
		closed, end := any(first+held), any("closed")
		if i > benchSessions-50 {
			closed, end = nil, nil
		}
		kind, prev := "opened", any(nil)
		if rng.IntN(100) == 0 {
			kind, prev = "owner_changed", 1+rng.IntN(benchExes)
		}
		pid := 1000 + rng.IntN(4_000_000)
		if _, err := ins.ExecContext(ctx, i, proto, addr, port, exposure, exe, pid, 1000, "ann",
			fmt.Sprintf("/usr/lib/app%d/bin/server%d --listen %s:%d", exe, exe, addr, port),
			first-5000, kind, prev, first, first+held, closed, end); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO owners(port, proto, exe_id, sessions, held_ms, first_seen, last_seen)
		SELECT port, proto, exe_id, count(*), sum(coalesce(closed_at, first_seen) - first_seen), min(first_seen), max(last_seen)
		FROM sessions GROUP BY port, proto, exe_id`); err != nil {
		return err
	}
	alert, err := tx.PrepareContext(ctx, `INSERT INTO alerts(time, proto, address, port, exposure, exe_id, pid, user, reasons, action)
		VALUES (?, 'tcp', '0.0.0.0', ?, 'network', ?, ?, 'ann', '["unassigned port"]', 'dismissed')`)
	if err != nil {
		return err
	}
	for i := range benchAlerts {
		port := 20_000 + rng.IntN(benchPorts)
		if _, err := alert.ExecContext(ctx, begin+int64(i)*(span/benchAlerts), port, 1+rng.IntN(benchExes), 1000+i); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	conn.Close()
	if err := s.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// reportMS adds the mean time per op in milliseconds, the unit of the targets.
func reportMS(b *testing.B, per int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N*per), "ms/"+map[bool]string{true: "op", false: "event"}[per == 1])
}

func benchEvents(b *testing.B, q Query, want int) {
	s := benchStore(b)
	ctx := context.Background()
	lines, err := s.Events(ctx, q)
	if err != nil || len(lines) != want {
		b.Fatalf("Events(%+v): %d lines, %v; want %d", q, len(lines), err, want)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Events(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	reportMS(b, 1)
}

// BenchmarkPortHistory: "history of port N", the last 100 events of a port
// with a few hundred sessions, in the 1M-session store.
func BenchmarkPortHistory(b *testing.B) { benchEvents(b, Query{Port: typicalPort, Limit: 100}, 100) }

// BenchmarkPortHistoryHot: the same for the port holding 100k sessions.
func BenchmarkPortHistoryHot(b *testing.B) {
	benchEvents(b, Query{Port: hotPort, Proto: monitor.TCP, Limit: 100}, 100)
}

// BenchmarkPortHistorySince: a port's events of the last week.
func BenchmarkPortHistorySince(b *testing.B) {
	benchEvents(b, Query{Port: hotPort, Since: benchEnd.Add(-7 * 24 * time.Hour), Limit: 100}, 100)
}

// BenchmarkLastEvents: the last 100 events of all.
func BenchmarkLastEvents(b *testing.B) { benchEvents(b, Query{Limit: 100}, 100) }

// BenchmarkExeHistory: the last 100 events of one executable.
func BenchmarkExeHistory(b *testing.B) {
	benchEvents(b, Query{Exe: "/usr/lib/app7/bin/server7", Limit: 100}, 100)
}

// BenchmarkOwnerChange: the policy's per-listener check on a busy port.
func BenchmarkOwnerChange(b *testing.B) {
	s := benchStore(b)
	l := listener(hotPort, "/tmp/x", 1)
	if _, _, ok := s.OwnerChange(l); !ok {
		b.Fatal("no owner change on the hot port")
	}
	b.ResetTimer()
	for b.Loop() {
		s.OwnerChange(l)
	}
	reportMS(b, 1)
}

// benchRecord records perTx events per transaction into the 1M store (the
// rows it adds are deleted afterwards) and reports the cost per event.
func benchRecord(b *testing.B, perTx int) {
	s := benchStore(b)
	ctx := context.Background()
	b.Cleanup(func() {
		s.db.Exec("DELETE FROM sessions WHERE id > ?", benchSessions)
		s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	})
	r, err := StartRecorder(ctx, s, RecorderOptions{TouchEvery: time.Hour, PurgeEvery: 1000 * time.Hour, FirstPurge: 1000 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	events := make([]monitor.Event, perTx)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for j := range events {
			l := listener(uint16(30_000+n%20_000), "/usr/bin/bench", int32(n))
			l.Address = fmt.Sprintf("127.1.%d.%d", n/20_000%250, n/5_000_000)
			kind := monitor.Opened
			if n%2 == 1 {
				kind = monitor.Closed
				l = events[j-1].Listener
			}
			events[j] = ev(kind, benchEnd.Add(time.Duration(n)*time.Millisecond), l)
			n++
		}
		r.Record(events)
		if err := r.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if st := r.Stats(); st.LastErr != nil || st.Dropped != 0 {
		b.Fatalf("recorder: %+v", st)
	}
	reportMS(b, perTx)
}

// BenchmarkRecordEvent: one event per transaction, waiting for the commit:
// the most a single event can cost.
func BenchmarkRecordEvent(b *testing.B) { benchRecord(b, 2) }

// BenchmarkRecordBatch: a scan's worth of events in one transaction.
func BenchmarkRecordBatch(b *testing.B) { benchRecord(b, 100) }

// BenchmarkRecordEnqueue: what the monitor itself pays per Record call.
func BenchmarkRecordEnqueue(b *testing.B) {
	s, _ := openTest(b, Options{})
	r, err := StartRecorder(context.Background(), s, RecorderOptions{Queue: 1 << 20, TouchEvery: time.Hour, PurgeEvery: time.Hour, FirstPurge: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	e := []monitor.Event{ev(monitor.Opened, t0, listener(8080, "/usr/bin/x", 1))}
	for b.Loop() {
		r.Record(e)
	}
}

// BenchmarkOpen: opening the 1M-session store, quick_check included.
func BenchmarkOpen(b *testing.B) {
	benchStore(b).Close()
	for b.Loop() {
		s, err := Open(context.Background(), Options{Path: fixturePath, Logger: quiet, MaxBytes: 1 << 40})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	reportMS(b, 1)
}
