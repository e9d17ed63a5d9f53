package resident

import "time"

// ticker is the loop's one timer (see newTicker).
type ticker interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// stdTicker is a time.Ticker as a ticker.
type stdTicker struct{ t *time.Ticker }

func (s stdTicker) C() <-chan time.Time   { return s.t.C }
func (s stdTicker) Reset(d time.Duration) { s.t.Reset(d) }
func (s stdTicker) Stop()                 { s.t.Stop() }
