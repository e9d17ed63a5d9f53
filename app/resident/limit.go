package resident

import "time"

// limiter bounds how many notifications Portlight shows: a burst of them,
// then one per interval. A program that opens hundreds of listeners (or a
// churn of them) must not bury the desktop in bubbles; what the limiter
// holds back is still in the tray's Recent alerts and summed up in one
// notification. It is a token bucket, pure and driven by the caller's clock.
type limiter struct {
	burst  int
	every  time.Duration
	tokens int
	last   time.Time // when tokens were last topped up
}

func newLimiter(burst int, every time.Duration) *limiter {
	return &limiter{burst: burst, every: every, tokens: burst}
}

// allow takes a token if one is left at now.
func (l *limiter) allow(now time.Time) bool {
	l.refill(now)
	if l.tokens == 0 {
		return false
	}
	l.tokens--
	return true
}

func (l *limiter) refill(now time.Time) {
	if l.last.IsZero() {
		l.last = now
		return
	}
	if n := int(now.Sub(l.last) / l.every); n > 0 {
		l.tokens = min(l.burst, l.tokens+n)
		l.last = l.last.Add(time.Duration(n) * l.every)
	}
	if l.tokens == l.burst {
		l.last = now
	}
}
