package resident

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := newLimiter(3, 10*time.Second)
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {0, true}, {time.Second, true}, // the burst
		{2 * time.Second, false}, // empty
		{9 * time.Second, false}, // not yet 10 s since the burst began
		{10 * time.Second, true}, // one token back
		{11 * time.Second, false},
		{20 * time.Second, true},
		{5 * time.Minute, true}, {5 * time.Minute, true}, {5 * time.Minute, true}, // refilled to the burst, no more
		{5 * time.Minute, false},
	} {
		if got := l.allow(t0.Add(tc.at)); got != tc.want {
			t.Fatalf("at %v: allow %v, want %v", tc.at, got, tc.want)
		}
	}
}
