package testrig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Portlight builds Portlight's two programs once per test binary, portlight
// and the window program portlight-ui, into one temporary folder (where
// portlight finds portlight-ui, as once installed), and returns portlight's
// path; RemoveBuilt deletes them (call it from TestMain after m.Run). Tests
// run in a package folder of the module, so the programs build by their
// import paths from any of them.
func Portlight(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portlight-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "portlight")
		gobin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("missing tool go: %w", err)
			return
		}
		// One go build for both: they share most packages.
		out, err := exec.Command(gobin, "build", "-o", dir+string(filepath.Separator),
			"portlight", "portlight/cmd/portlight-ui").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// PortlightUI returns the path of the window program Portlight built next
// to portlight.
func PortlightUI(t testing.TB) string {
	t.Helper()
	return filepath.Join(filepath.Dir(Portlight(t)), "portlight-ui")
}

// RemoveBuilt deletes the programs Portlight built, if it built them.
func RemoveBuilt() {
	if buildPath != "" {
		os.RemoveAll(filepath.Dir(buildPath))
	}
}
