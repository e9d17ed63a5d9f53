package monitor

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/sys/unix"
)

// walkWorkers is how many goroutines read processes in a whole walk (the
// first one, and one after the pids wrap). Reading descriptors is kernel
// work that runs in parallel: on two cores two workers take about half the
// wall time for the same CPU time (BenchmarkFirstWalk).
var walkWorkers = 2

// parallelWalkMin is the fewest processes worth a second worker.
const parallelWalkMin = 64

// walkResult is what one worker found in one process.
type walkResult struct {
	pid        int32
	hits       []fdHit
	start      uint64
	unreadable bool
}

// walkAllParallel reads every process of pids with workers goroutines, each
// with its own buffers, then records the holders found in pid order, as a
// sequential walk would. The attributor's maps are only read while the
// workers run.
func (a *procAttributor) walkAllParallel(ctx context.Context, pids []int32, workers int) error {
	results := make([][]walkResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs := newProcfs(a.fs.root)
			var hits []fdHit
			for i := w; i < len(pids); i += workers {
				if (i/workers)%64 == 0 {
					if err := ctx.Err(); err != nil {
						errs[w] = err
						return
					}
				}
				var err error
				hits, err = fs.walkFDs(pids[i], a.want, a.held, hits[:0])
				r := walkResult{pid: pids[i], unreadable: errors.Is(err, unix.EACCES)}
				if len(hits) > 0 {
					r.hits = append([]fdHit(nil), hits...)
					if r.start, err = fs.startTime(pids[i]); err != nil {
						r.start = ^uint64(0)
					}
				}
				if r.unreadable || len(r.hits) > 0 {
					results[w] = append(results[w], r)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Merge in pid order (each worker's results are in pid order).
	next := make([]int, workers)
	for {
		best := -1
		for w := range workers {
			if next[w] < len(results[w]) && (best < 0 || results[w][next[w]].pid < results[best][next[best]].pid) {
				best = w
			}
		}
		if best < 0 {
			return nil
		}
		r := results[best][next[best]]
		next[best]++
		if r.unreadable {
			a.unreadable[r.pid] = true
		}
		for _, h := range r.hits {
			a.addHolder(h.inode, holder{pid: h.pid, fd: h.fd, start: r.start})
			delete(a.negative, h.inode)
			delete(a.want, h.inode)
		}
	}
}
