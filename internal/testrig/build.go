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

// Portlight builds the portlight command once per test binary, into a
// temporary folder, and returns its path; RemoveBuilt deletes it (call it
// from TestMain after m.Run). Tests run in a package folder of the module,
// so the command builds by its import path from any of them.
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
		out, err := exec.Command(gobin, "build", "-o", buildPath, "portlight").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// RemoveBuilt deletes the binary Portlight built, if it built one.
func RemoveBuilt() {
	if buildPath != "" {
		os.RemoveAll(filepath.Dir(buildPath))
	}
}
