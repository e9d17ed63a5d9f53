package monitor

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// errNoScan is Watch's answer to a nil scanner.
var errNoScan = errors.New("monitor: nil scanner")

// DefaultInterval is the watch loop's interval when none is given.
const DefaultInterval = time.Second

// Scanning is what Watch needs of a scanner; *Scanner implements it.
type Scanning interface {
	Scan(ctx context.Context) (Snapshot, error)
}

// WatchOption configures Watch.
type WatchOption func(*watchConfig)

type watchConfig struct {
	onError     func(error)
	initialOpen bool
}

// OnScanError sets what Watch does with a failed scan; by default it is
// logged with slog at Warn level (subsystem=monitor). Either way the loop
// goes on, and the next good scan is compared with the last good one.
func OnScanError(fn func(error)) WatchOption { return func(c *watchConfig) { c.onError = fn } }

// InitialOpened makes the first scan report every listener as Opened,
// instead of being a silent baseline.
func InitialOpened() WatchOption { return func(c *watchConfig) { c.initialOpen = true } }

// Watch scans every interval (DefaultInterval when interval <= 0) until ctx
// is done, and calls fn with each snapshot and the events since the previous
// one. The first successful scan is the baseline: fn gets it with no events
// (unless InitialOpened is given), so listeners that were already there are
// not reported as new. A failed scan does not stop the loop (see
// OnScanError) and fn is not called for it. Scans never overlap: a scan
// slower than the interval delays the next tick. Watch returns ctx.Err().
func Watch(ctx context.Context, sc Scanning, interval time.Duration, fn func(Snapshot, []Event), opts ...WatchOption) error {
	if sc == nil {
		return errNoScan
	}
	cfg := watchConfig{onError: func(err error) {
		slog.Warn("scan failed", "subsystem", "monitor", "err", err)
	}}
	for _, o := range opts {
		o(&cfg)
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var prev Snapshot
	have := false
	for {
		snap, err := sc.Scan(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			cfg.onError(err)
		case !have && !cfg.initialOpen:
			have, prev = true, snap
			fn(snap, nil)
		default:
			if !have {
				prev = Snapshot{Time: snap.Time}
			}
			have = true
			fn(snap, Diff(prev, snap))
			prev = snap
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
