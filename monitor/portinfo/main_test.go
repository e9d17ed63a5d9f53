package portinfo

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points the state folder at an empty temporary directory, so that
// a registry stored on the developer's machine by `portlight update-registry`
// cannot change what the tests of the embedded data see.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "portinfo-test-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("PORTLIGHT_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
