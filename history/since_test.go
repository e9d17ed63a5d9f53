package history

import (
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "24h", want: now.Add(-24 * time.Hour)},
		{in: "7d", want: now.AddDate(0, 0, -7)},
		{in: "2w", want: now.AddDate(0, 0, -14)},
		{in: "2026-11-17", want: time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-17T08:30:00+01:00", want: time.Date(2026, 11, 17, 7, 30, 0, 0, time.UTC)},
		{in: "", bad: true},
		{in: "-5h", bad: true},
		{in: "-1d", bad: true},
		{in: "yesterday", bad: true},
		{in: "d", bad: true},
	} {
		got, err := ParseSince(tc.in, now)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseSince(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
