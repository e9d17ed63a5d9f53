package testrig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// CoreBuildEnv is the environment portlight is built with, added to the
// caller's: without cgo (the Makefile's CORE_ENV; docs/binaries.md says why).
var CoreBuildEnv = []string{"CGO_ENABLED=0"}

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
		// Two go builds, as the Makefile's: portlight without cgo, the
		// window program with it (Fyne's GL driver is C).
		for _, b := range []struct {
			pkg, out string
			env      []string
		}{
			{"portlight", buildPath, CoreBuildEnv},
			{"portlight/cmd/portlight-ui", filepath.Join(dir, "portlight-ui"), nil},
		} {
			cmd := exec.Command(gobin, "build", "-o", b.out, b.pkg)
			cmd.Env = append(os.Environ(), b.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
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
