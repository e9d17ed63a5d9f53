package provenance

import (
	"os"
	"testing"

	"portlight/internal/testrig"
)

// TestMain points PORTLIGHT_HOME at a temporary folder, so that the
// resolvers of the real root keep their dpkg index cache there, not in the
// user's cache folder.
func TestMain(m *testing.M) {
	os.Exit(testrig.RunInTempHome(m, "provenance-test-home-"))
}
