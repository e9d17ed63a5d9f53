//go:build linux

package monitor

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// soakSize is one size of the churn soak.
type soakSize struct {
	name     string
	interval time.Duration // the watch loop's interval
	total    int           // listener opens (each closed again) in all
	slots    int           // worker processes running at once
	perProc  int           // opens per worker process before it exits
	rate     int           // opens per second per worker
	deadline time.Duration // the whole soak, or it fails
}

// The CI size runs in `go test` (about a minute); PORTLIGHT_SOAK=full, as
// `make soak` sets, runs the size at the normal 1 s interval.
var (
	soakCI   = soakSize{"ci", 100 * time.Millisecond, 20_000, 4, 1_250, 125, 3 * time.Minute}
	soakFull = soakSize{"full", DefaultInterval, 100_000, 8, 2_500, 60, 20 * time.Minute}
)

// soakBlock is how many ports each worker slot cycles through: a port comes
// back only after soakBlock opens in its slot (8 s and more), so no endpoint
// is reused between two scans, which would hide a close and an open from
// any endpoint-level diff.
const soakBlock = 1000

// soakTracked is one tracked listener, as its worker reported it.
type soakTracked struct {
	proto       Proto
	port        int
	inode       uint64
	pid         int32
	open, close int64 // unix ns
}

// soakWindow is one scan's wall-clock window.
type soakWindow struct{ start, end int64 }

// soakLog is what the monitor process reported.
type soakLog struct {
	mu     sync.Mutex
	scans  []soakWindow
	opens  map[uint64]int
	closes map[uint64]int
	flaps  map[uint64]int // owner changed on one socket
	// toHidden holds, for a socket whose owner became hidden, the window of
	// the scan that said so.
	toHidden map[uint64]soakWindow
	openPid  map[uint64]int32
	openLine map[uint64]string // the event that opened each socket
	errs     []string
	events   int
	mem      chan [3]uint64
	badLines []string
	// flapLines are the owner_changed events of one socket.
	flapLines []string
}

func (g *soakLog) read(r io.Reader) {
	in := bufio.NewScanner(r)
	for in.Scan() {
		f := strings.Fields(in.Text())
		g.mu.Lock()
		switch {
		case len(f) == 4 && f[0] == "S":
			a, _ := strconv.ParseInt(f[1], 10, 64)
			b, _ := strconv.ParseInt(f[2], 10, 64)
			g.scans = append(g.scans, soakWindow{a, b})
		case len(f) == 9 && f[0] == "E":
			g.events++
			ino, _ := strconv.ParseUint(f[4], 10, 64)
			pid, _ := strconv.ParseInt(f[5], 10, 32)
			prev, _ := strconv.ParseUint(f[7], 10, 64)
			switch EventKind(f[1]) {
			case Opened:
				g.opens[ino]++
				g.openPid[ino] = int32(pid)
				g.openLine[ino] = in.Text()
			case Closed:
				g.closes[ino]++
			case OwnerChanged:
				if prev == ino {
					g.flaps[ino]++
					if f[6] == "true" && f[8] != "0" && len(g.scans) > 0 {
						g.toHidden[ino] = g.scans[len(g.scans)-1]
					}
				} else {
					// Another socket took the endpoint between two scans:
					// the diff reports the old one's end and the new one's
					// start as one owner change.
					g.closes[prev]++
					g.opens[ino]++
					g.openPid[ino] = int32(pid)
					g.openLine[ino] = in.Text()
				}
			}
		case len(f) >= 1 && f[0] == "F":
			g.flapLines = append(g.flapLines, in.Text())
		case len(f) >= 1 && f[0] == "X":
			g.errs = append(g.errs, in.Text())
		case len(f) == 4 && f[0] == "M":
			var m [3]uint64
			for i := range m {
				m[i], _ = strconv.ParseUint(f[i+1], 10, 64)
			}
			g.mem <- m
		default:
			g.badLines = append(g.badLines, in.Text())
		}
		g.mu.Unlock()
	}
}

// scansSince counts the scans that started at or after t.
func (g *soakLog) scansSince(t int64) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for i := len(g.scans) - 1; i >= 0 && g.scans[i].start >= t; i-- {
		n++
	}
	return n
}

func soakSizeFromEnv(t *testing.T) soakSize {
	switch v := os.Getenv("PORTLIGHT_SOAK"); v {
	case "":
		return soakCI
	case "full":
		return soakFull
	default:
		t.Fatalf("PORTLIGHT_SOAK=%q: want empty or full", v)
		return soakSize{}
	}
}

// TestSoakChurn churns loopback listeners in many processes while the real
// scanner runs in the watch loop in its own process, and checks that every
// listener that lived at least two intervals was reported opened exactly
// once and closed exactly once, by its process, with no duplicate event for
// any socket, and that the monitor's memory stayed flat.
//
// Ports: each worker slot cycles through its own block of soakBlock ports
// starting 22,000 below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range), so no connection of another
// program can take them and the world benchmark (12,000 below) is not in
// the way; a port someone else holds is skipped.
func TestSoakChurn(t *testing.T) {
	testrig.Slow(t, "the churn soak (make soak runs the full one)")
	size := soakSizeFromEnv(t)
	low, err := ephemeralLow()
	if err != nil {
		t.Fatal(err)
	}
	base := low - 22_000
	if base < 1024 || base+size.slots*soakBlock > low {
		t.Fatalf("ephemeral range starts at %d: no room for %d ports below it", low, size.slots*soakBlock)
	}
	exe := testExe(t)
	env := func(role string, extra ...string) []string {
		return append(os.Environ(), append([]string{soakRoleEnv + "=" + role,
			soakIntervalEnv + "=" + size.interval.String()}, extra...)...)
	}

	// The monitor.
	log := &soakLog{opens: map[uint64]int{}, closes: map[uint64]int{}, flaps: map[uint64]int{}, toHidden: map[uint64]soakWindow{},
		openPid: map[uint64]int32{}, openLine: map[uint64]string{}, mem: make(chan [3]uint64, 4)}
	mon := exec.Command(exe)
	mon.Env = env("monitor", fmt.Sprintf("%s=%d %d", soakPortsEnv, base, base+size.slots*soakBlock))
	mon.Stderr = os.Stderr
	testrig.DieWithParent(mon)
	monIn, err := mon.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	monOut, err := mon.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := mon.Start(); err != nil {
		t.Fatalf("start monitor: %v", err)
	}
	defer mon.Process.Kill()
	readDone := make(chan struct{})
	go func() { log.read(monOut); close(readDone) }()
	deadline := time.Now().Add(size.deadline)
	mem := func(what string) [3]uint64 {
		t.Helper()
		fmt.Fprintln(monIn, "mem")
		select {
		case m := <-log.mem:
			return m
		case <-time.After(time.Until(deadline)):
			t.Fatalf("monitor did not report its memory (%s)", what)
			return [3]uint64{}
		}
	}
	waitScans := func(since int64, n int, what string) {
		t.Helper()
		for log.scansSince(since) < n {
			if time.Now().After(deadline) {
				t.Fatalf("soak deadline: waiting for %d scans %s", n, what)
			}
			time.Sleep(size.interval / 4)
		}
	}
	waitScans(0, 3, "before the churn")
	memStart := mem("start")
	start := time.Now()

	// The workers.
	var (
		mu        sync.Mutex
		tracked   []soakTracked
		assigned  int
		opens     int
		closes    int
		fails     int
		procs     int
		lastClose int64
	)
	var wg sync.WaitGroup
	half := make(chan struct{}) // closed when half the workers are done
	halfProcs := (size.total + size.perProc - 1) / size.perProc / 2
	for slot := 0; slot < size.slots; slot++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cursor := 0
			for {
				mu.Lock()
				n := min(size.perProc, size.total-assigned)
				assigned += n
				mu.Unlock()
				if n <= 0 || time.Now().After(deadline) {
					return
				}
				lo := base + slot*soakBlock
				w := exec.Command(exe)
				w.Env = env("worker", fmt.Sprintf("%s=%d %d", soakPortsEnv, lo, lo+soakBlock),
					fmt.Sprintf("%s=%d", soakOpsEnv, n), fmt.Sprintf("%s=%d", soakRateEnv, size.rate),
					fmt.Sprintf("%s=%d", soakStartEnv, cursor))
				w.Stderr = os.Stderr
				testrig.DieWithParent(w)
				out, err := w.StdoutPipe()
				if err == nil {
					err = w.Start()
				}
				if err != nil {
					t.Errorf("start worker: %v", err)
					return
				}
				pid := int32(w.Process.Pid)
				var mine []soakTracked
				var d [3]int
				gotD := false
				in := bufio.NewScanner(out)
				for in.Scan() {
					f := strings.Fields(in.Text())
					switch {
					case len(f) == 7 && f[0] == "T":
						r := soakTracked{proto: Proto(f[1]), pid: pid}
						r.port, _ = strconv.Atoi(f[3])
						r.inode, _ = strconv.ParseUint(f[4], 10, 64)
						r.open, _ = strconv.ParseInt(f[5], 10, 64)
						r.close, _ = strconv.ParseInt(f[6], 10, 64)
						mine = append(mine, r)
					case len(f) == 4 && f[0] == "D":
						for i := range d {
							d[i], _ = strconv.Atoi(f[i+1])
						}
						gotD = true
					}
				}
				if err := w.Wait(); err != nil || !gotD {
					t.Errorf("worker %d: %v (done line: %v)", pid, err, gotD)
					return
				}
				cursor = (cursor + d[0] + d[2]) % soakBlock
				mu.Lock()
				tracked = append(tracked, mine...)
				opens, closes, fails, procs = opens+d[0], closes+d[1], fails+d[2], procs+1
				for _, r := range mine {
					lastClose = max(lastClose, r.close)
				}
				if procs == halfProcs {
					close(half)
				}
				mu.Unlock()
			}
		}()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	var memMid [3]uint64
	select {
	case <-half:
		memMid = mem("mid-churn")
	case <-allDone:
	}
	<-allDone
	churnTime := time.Since(start)
	// Every close must be followed by a complete scan, and then one more.
	waitScans(max(lastClose, time.Now().UnixNano()), 2, "after the churn")
	memEnd := mem("end")
	monIn.Close()
	if err := mon.Wait(); err != nil {
		t.Errorf("monitor process: %v", err)
	}
	<-readDone

	r := analyseSoak(log, tracked)
	r.size, r.opens, r.closes, r.fails, r.procs, r.churnTime = size, opens, closes, fails, procs, churnTime
	r.memStart, r.memMid, r.memEnd = memStart, memMid, memEnd
	report := r.String()
	t.Log("\n" + report)
	if dir := os.Getenv("PORTLIGHT_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err == nil {
			os.WriteFile(filepath.Join(dir, "soak-"+size.name+".txt"), []byte(report), 0o644)
		}
	}
	r.check(t)
	if len(log.flapLines) > 0 {
		t.Logf("owner changes on one socket (first 10): %q", log.flapLines[:min(10, len(log.flapLines))])
	}
	if len(log.badLines) > 0 {
		t.Errorf("monitor printed %d unexpected lines, first %q", len(log.badLines), log.badLines[0])
	}
}
