package testrig

import (
	"fmt"
	"os"
	"testing"
)

// RunInTempHome runs a package's tests with PORTLIGHT_HOME pointing at a new
// empty folder named after prefix, removed afterwards, and returns m.Run's
// code for os.Exit. It is for a TestMain: what Portlight keeps in its state
// folder (settings, a stored registry, the dpkg index cache) is then the
// tests' own, never the developer's.
func RunInTempHome(m *testing.M, prefix string) int {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv("PORTLIGHT_HOME", dir)
	return m.Run()
}
