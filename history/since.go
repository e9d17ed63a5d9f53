package history

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseSince reads a starting time as people type it: a Go duration back
// from now ("90m", "24h"), a number of days or weeks back ("7d", "2w"), a
// date ("2026-11-17", local midnight) or an RFC 3339 time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if n := len(s) - 1; s[n] == 'd' || s[n] == 'w' {
		if v, err := strconv.Atoi(s[:n]); err == nil && v >= 0 {
			days := v
			if s[n] == 'w' {
				days *= 7
			}
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("negative duration %q", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, now.Location()); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time: use a duration (24h, 7d, 2w), a date (2006-01-02) or RFC 3339", s)
}
