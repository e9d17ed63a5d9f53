package portinfo

import (
	"os"
	"testing"

	"portlight/internal/testrig"
)

// TestMain points the state folder at an empty temporary directory, so that
// a registry stored on the developer's machine by `portlight update-registry`
// cannot change what the tests of the embedded data see.
func TestMain(m *testing.M) {
	os.Exit(testrig.RunInTempHome(m, "portinfo-test-home-"))
}
