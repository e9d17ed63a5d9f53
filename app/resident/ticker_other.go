//go:build !linux

package resident

import "time"

// newTicker returns a time.Ticker: the timerfd of ticker_linux.go is
// Linux's.
func newTicker(d time.Duration) ticker { return stdTicker{time.NewTicker(d)} }
