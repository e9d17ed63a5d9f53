//go:build !linux

package e2e

import (
	"os"
	"testing"
)

// extraNamespaces: network namespaces are Linux's; the variable is refused
// elsewhere rather than ignored.
func extraNamespaces(b *testing.B) {
	if os.Getenv("PORTLIGHT_MEASURE_EXTRA_NETNS") != "" {
		b.Skip("PORTLIGHT_MEASURE_EXTRA_NETNS needs Linux network namespaces")
	}
}
