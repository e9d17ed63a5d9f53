//go:build unix

package resident

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// profileEnv names a folder where the resident writes profiles of itself,
// for finding what its memory and CPU go to: on SIGUSR1 a heap profile
// (after a collection), its goroutines and the runtime's memory figures;
// SIGUSR2 starts a CPU profile and, sent again, writes it. Unset, no
// signal is caught and the heap is not sampled: nothing would read the
// samples, and each costs a walk of the allocating stack.
const profileEnv = "PORTLIGHT_PROFILE_DIR"

// profileOnSignal serves profileEnv until ctx ends.
func profileOnSignal(ctx context.Context, log *slog.Logger) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		runtime.MemProfileRate = 0
		return
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Warn("no profiles", "env", profileEnv, "err", err)
		return
	}
	// Every 4 kB allocated, not every 512 kB: the idle heap is a few MB.
	runtime.MemProfileRate = 4 << 10
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		defer signal.Stop(sigs)
		var cpu *os.File
		for {
			select {
			case <-ctx.Done():
				if cpu != nil {
					pprof.StopCPUProfile()
					cpu.Close()
				}
				return
			case s := <-sigs:
				stamp := time.Now().Format("150405")
				if s == syscall.SIGUSR1 {
					if err := writeHeap(dir, stamp); err != nil {
						log.Warn("heap profile", "err", err)
					} else {
						log.Info("heap profile written", "dir", dir)
					}
					continue
				}
				if cpu != nil {
					pprof.StopCPUProfile()
					cpu.Close()
					cpu = nil
					log.Info("CPU profile written", "dir", dir)
					continue
				}
				f, err := os.Create(filepath.Join(dir, "cpu-"+stamp+".pprof"))
				if err == nil {
					err = pprof.StartCPUProfile(f)
				}
				if err != nil {
					log.Warn("CPU profile", "err", err)
					continue
				}
				cpu = f
			}
		}
	}()
}

// writeHeap writes heap-STAMP.pprof, goroutines-STAMP.txt and
// memstats-STAMP.txt into dir.
func writeHeap(dir, stamp string) error {
	runtime.GC()
	for _, p := range []struct {
		name, file string
		debug      int
	}{{"heap", "heap-" + stamp + ".pprof", 0}, {"goroutine", "goroutines-" + stamp + ".txt", 1}} {
		f, err := os.Create(filepath.Join(dir, p.file))
		if err != nil {
			return err
		}
		err = pprof.Lookup(p.name).WriteTo(f, p.debug)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p.file, err)
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	kb := func(n uint64) uint64 { return n >> 10 }
	text := fmt.Sprintf("HeapAlloc %d kB\nHeapInuse %d kB\nHeapIdle %d kB\nHeapReleased %d kB\nHeapSys %d kB\n"+
		"StackInuse %d kB\nMSpanInuse %d kB\nGCSys %d kB\nOtherSys %d kB\nSys %d kB\nNextGC %d kB\nNumGC %d\nGoroutines %d\n",
		kb(m.HeapAlloc), kb(m.HeapInuse), kb(m.HeapIdle), kb(m.HeapReleased), kb(m.HeapSys),
		kb(m.StackInuse), kb(m.MSpanInuse), kb(m.GCSys), kb(m.OtherSys), kb(m.Sys), kb(m.NextGC), m.NumGC, runtime.NumGoroutine())
	return os.WriteFile(filepath.Join(dir, "memstats-"+stamp+".txt"), []byte(text), 0o600)
}
