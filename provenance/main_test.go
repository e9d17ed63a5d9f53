package provenance

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points PORTLIGHT_HOME at a temporary folder, so that the
// resolvers of the real root keep their dpkg index cache there, not in the
// user's cache folder.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "provenance-test-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("PORTLIGHT_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
