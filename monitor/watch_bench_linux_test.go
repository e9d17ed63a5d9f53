package monitor

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// worldSource lists src's sockets on the world's ports, in a reused slice.
type worldSource struct {
	src   Source
	ports map[uint16]bool
	out   *[]Socket
}

func (w worldSource) Sockets(ctx context.Context) ([]Socket, error) {
	all, err := w.src.Sockets(ctx)
	if w.out == nil {
		return nil, err
	}
	out := (*w.out)[:0]
	for _, s := range all {
		if w.ports[s.Port] {
			out = append(out, s)
		}
	}
	*w.out = out
	return out, err
}

// BenchmarkWatchTick measures the watch loop's tick in the busy desktop's
// world (see BenchmarkWorld; PORTLIGHT_BENCH_SMALL=1 for a small one) when
// nothing changed: a scan and the diff against the previous snapshot, as
// Watch does, and the whole Watch loop (ticker wake-up included) at a 10 ms
// interval. It prints CPU per tick beside the CPU of the kernel dump alone
// (the platform source's Sockets), the floor a tick can reach.
//
// PORTLIGHT_BENCH_NETNS=N adds N other network namespaces (root; one
// child each, two listeners), listed as the resident lists them.
//
//	go test ./monitor -run '^$' -bench WatchTick -benchtime 1x
func BenchmarkWatchTick(b *testing.B) {
	size := fullWorld
	if os.Getenv("PORTLIGHT_BENCH_SMALL") == "1" {
		size = smallWorld
	}
	nsCount, _ := strconv.Atoi(os.Getenv("PORTLIGHT_BENCH_NETNS"))
	if nsCount > 0 {
		testrig.RequireRoot(b, "to create network namespaces")
	}
	for range nsCount {
		startNSChild(b, "tcp4 0.0.0.0:0", "udp4 0.0.0.0:0")
	}
	w := buildWorld(b, size)
	out := os.Stdout
	fmt.Fprintf(out, "\nworld: %d processes, %d listeners, %d established loopback connections, %d other network namespaces; built in %.1f s\n",
		size.Procs, size.Listeners, size.Conns, nsCount, w.Built.Seconds())
	ctx := context.Background()

	// Only the world's sockets: other programs' listeners coming and going
	// on this machine would make ticks that are not still.
	src := worldSource{NewPlatformSource(), map[uint16]bool{}, new([]Socket)}
	for _, p := range w.Ports {
		src.ports[p] = true
	}
	defer closeIf(src.src)
	dump := make([]time.Duration, 301)
	for i := range dump {
		t0 := cpuNow()
		if _, err := src.Sockets(ctx); err != nil {
			b.Fatal(err)
		}
		dump[i] = cpuNow() - t0
	}

	sc := NewScanner(WithSource(src), WithNamespaces(nsCount > 0))
	defer sc.Close()
	prev, err := sc.Scan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tick := func() {
		snap, err := sc.Scan(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if ev := Diff(prev, snap); len(ev) > 0 {
			b.Fatalf("%d events in a still world", len(ev))
		}
		prev = snap
	}
	ticks := make([]time.Duration, 301)
	for i := range ticks {
		t0 := cpuNow()
		tick()
		ticks[i] = cpuNow() - t0
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	const n = 1000
	for range n {
		tick()
	}
	runtime.ReadMemStats(&m1)

	// The loop itself: ticker, wake-ups, scans, diffs and GC, for 3 s.
	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	loops := 0
	t0 := cpuNow()
	_ = Watch(wctx, sc, 10*time.Millisecond, func(_ Snapshot, ev []Event) {
		loops++
		if len(ev) > 0 {
			b.Errorf("%d events in a still world", len(ev))
		}
	})
	loopCPU := cpuNow() - t0
	cancel()

	fmt.Fprintf(out, "median CPU, nothing changed:\n")
	fmt.Fprintf(out, "  kernel dump alone (Source.Sockets)  %12s\n", ms(median(dump)))
	fmt.Fprintf(out, "  tick: Scan + Diff                   %12s\n", ms(median(ticks)))
	fmt.Fprintf(out, "  Watch loop at 10 ms, per tick       %12s   (%d ticks, all CPU of the process)\n",
		ms(loopCPU/time.Duration(max(loops, 1))), loops)
	fmt.Fprintf(out, "allocations per tick: %.1f (%.0f bytes)\n\n",
		float64(m1.Mallocs-m0.Mallocs)/n, float64(m1.TotalAlloc-m0.TotalAlloc)/n)

	b.Run("Tick", func(b *testing.B) {
		b.ReportAllocs()
		t0 := cpuNow()
		for b.Loop() {
			tick()
		}
		b.ReportMetric(float64(cpuNow()-t0)/float64(b.N)/1e3, "cpu-µs/op")
	})
}
