package monitor

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	gnet "github.com/shirou/gopsutil/v3/net"
	"golang.org/x/sys/unix"

	"portlight/internal/testrig"
)

// cpuNow is the CPU time this process has used, all threads (GC included).
func cpuNow() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }

// scanCPU returns the CPU time of one scan.
func scanCPU(b *testing.B, sc *Scanner) time.Duration {
	t0 := cpuNow()
	if _, err := sc.Scan(context.Background()); err != nil {
		b.Fatalf("scan: %v", err)
	}
	return cpuNow() - t0
}

func steadyMedian(b *testing.B, sc *Scanner, n int) time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = scanCPU(b, sc)
	}
	return median(d)
}

// BenchmarkWorld builds a busy desktop's world (500 idle processes, 200
// listeners, 20,000 established loopback connections, as in
// docs/scanning.md; a small one with
// PORTLIGHT_BENCH_SMALL=1) and prints, side by side, the CPU per steady scan
// of the Scanner, gopsutil net.Connections and `ss -tlnup`, the extra cost of
// attributing a new listener, allocations per scan and heap growth.
func BenchmarkWorld(b *testing.B) {
	size := fullWorld
	if os.Getenv("PORTLIGHT_BENCH_SMALL") == "1" {
		size = smallWorld
	}
	ssPath, err := exec.LookPath("ss")
	if err != nil {
		b.Fatalf("the comparison needs ss (Debian package iproute2): %v", err)
	}
	w := buildWorld(b, size)
	out := os.Stdout
	fmt.Fprintf(out, "\nworld: %d processes, %d listeners, %d established loopback connections; built in %.1f s\n",
		size.Procs, size.Listeners, size.Conns, w.Built.Seconds())

	sc := NewScanner()
	defer sc.Close()
	cold := scanCPU(b, sc)
	ours := steadyMedian(b, sc, 301)

	var gops []time.Duration
	for i := 0; i < 5; i++ {
		t0 := cpuNow()
		if _, err := gnet.Connections("inet"); err != nil {
			b.Fatalf("gopsutil: %v", err)
		}
		gops = append(gops, cpuNow()-t0)
	}
	var ssCPU []time.Duration
	for i := 0; i < 11; i++ {
		cmd := exec.Command(ssPath, "-tlnup")
		if err := cmd.Run(); err != nil {
			b.Fatalf("ss -tlnup: %v", err)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		ssCPU = append(ssCPU, time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
	}
	g, s := median(gops), median(ssCPU)
	fmt.Fprintf(out, "median CPU per steady scan:\n")
	fmt.Fprintf(out, "  portlight Scanner              %12s   (first, cold scan: %s)\n", ms(ours), ms(cold))
	fmt.Fprintf(out, "  gopsutil net.Connections(inet) %12s   = %.0fx ours\n", ms(g), float64(g)/float64(ours))
	fmt.Fprintf(out, "  ss -tlnup (child rusage)       %12s   = %.0fx ours (ours = 1/%.0f of ss)\n",
		ms(s), float64(s)/float64(ours), float64(s)/float64(ours))

	newProc, newInOwner := newListenerCost(b, sc)
	fmt.Fprintf(out, "extra CPU to attribute one new listener (median of 9, over the steady scan):\n")
	fmt.Fprintf(out, "  in a new process               %12s\n", ms(newProc))
	fmt.Fprintf(out, "  in a process owning listeners  %12s\n", ms(newInOwner))

	allocs, bytes := allocsPerScan(b, sc, 1000)
	fmt.Fprintf(out, "allocations per steady scan: %.1f (%.0f bytes)\n", allocs, bytes)
	before, after := heapAcross(b, sc, 3000)
	fmt.Fprintf(out, "live heap across 3000 scans: %d -> %d bytes (%+d)\n\n", before, after, int64(after)-int64(before))
	fmt.Fprintf(out, "targets: steady <= 0.300 ms and <= 1/1000 of ss; new listener <= 2 ms; no heap growth\n\n")

	b.Run("SteadyScan", func(b *testing.B) {
		b.ReportAllocs()
		t0 := cpuNow()
		for b.Loop() {
			if _, err := sc.Scan(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuNow()-t0)/float64(b.N)/1e3, "cpu-µs/op")
	})
}

// newListenerCost measures the extra CPU of the scan that first sees a
// listener: opened by a new process, and by a process that already owns one.
func newListenerCost(b *testing.B, sc *Scanner) (newProc, inOwner time.Duration) {
	var a, o []time.Duration
	owner := startBenchChild(b)
	owner.bind("tcp4 127.0.0.1:0")
	sc.Scan(context.Background())
	for i := 0; i < 9; i++ {
		base := steadyMedian(b, sc, 21)
		c := startBenchChild(b)
		c.bind("tcp4 127.0.0.1:0")
		a = append(a, scanCPU(b, sc)-base)
		c.kill()
		sc.Scan(context.Background())

		base = steadyMedian(b, sc, 21)
		owner.bind("udp6 [::1]:0")
		o = append(o, scanCPU(b, sc)-base)
	}
	owner.kill()
	return median(a), median(o)
}

// startBenchChild starts a child-role process; failures end the benchmark.
func startBenchChild(b *testing.B) *child {
	cmd := testrig.DieWithParent(exec.Command(testExe(b)))
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &child{t: b, cmd: cmd, in: in, out: bufio.NewScanner(outp), pid: int32(cmd.Process.Pid)}
	b.Cleanup(c.kill)
	return c
}

func allocsPerScan(b *testing.B, sc *Scanner, n int) (allocs, bytes float64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for i := 0; i < n; i++ {
		if _, err := sc.Scan(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&m1)
	return float64(m1.Mallocs-m0.Mallocs) / float64(n), float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)
}

func heapAcross(b *testing.B, sc *Scanner, n int) (before, after uint64) {
	var m runtime.MemStats
	// Warm up, so caches are at their working size, then compare.
	for i := 0; i < 100; i++ {
		sc.Scan(context.Background())
	}
	runtime.GC()
	runtime.ReadMemStats(&m)
	before = m.HeapAlloc
	for i := 0; i < n; i++ {
		if _, err := sc.Scan(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&m)
	return before, m.HeapAlloc
}

// BenchmarkFirstWalk measures the first scan of a new Scanner in the busy
// world (a one-shot command's scan: every process's descriptors are read,
// so that every holder is known), with one and with two walking goroutines.
//
//	go test ./monitor -run '^$' -bench FirstWalk -benchtime 1x
func BenchmarkFirstWalk(b *testing.B) {
	size := testrig.BenchWorldSize()
	w := buildWorld(b, size)
	fmt.Printf("\nworld: %d processes, %d listeners, %d established loopback connections; built in %.1f s\n",
		size.Procs, size.Listeners, size.Conns, w.Built.Seconds())
	defer func(n int) { walkWorkers = n }(walkWorkers)
	for b.Loop() {
		for _, workers := range []int{1, 2, 1, 2} {
			walkWorkers = workers
			var cpus, walls []time.Duration
			for range 7 {
				sc := NewScanner()
				t0, c0 := time.Now(), cpuNow()
				if _, err := sc.Scan(context.Background()); err != nil {
					b.Fatal(err)
				}
				cpus, walls = append(cpus, cpuNow()-c0), append(walls, time.Since(t0))
				sc.Close()
			}
			fmt.Printf("first scan, %d walker(s): median CPU %s, wall %s\n", workers, ms(median(cpus)), ms(median(walls)))
		}
	}
}
