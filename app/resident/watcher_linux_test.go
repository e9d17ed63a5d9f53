//go:build linux

package resident

import (
	"testing"
)

func TestEntryServices(t *testing.T) {
	names := []string{":1.4", "org.kde.StatusNotifierItem-42-1"}
	for _, tc := range []struct {
		name string
		v    any
		want bool
	}{
		{"pairs with our unique name", [][]any{{":1.9", "/x"}, {":1.4", "/StatusNotifierItem"}}, true},
		{"pairs without us", [][]any{{":1.9", "/StatusNotifierItem"}}, false},
		{"strings with our well-known name", []string{"org.kde.StatusNotifierItem-42-1/StatusNotifierItem"}, true},
		{"strings without us", []string{":1.40/StatusNotifierItem"}, false},
		{"empty", [][]any{}, false},
		{"unexpected type", 7, false},
	} {
		if got := hasEntry(entryServices(tc.v), names); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
