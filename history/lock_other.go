//go:build !unix

package history

import (
	"fmt"
	"os"
)

// lockFile only creates path: this build has no flock, so two recorders
// running at once on this OS would both record (a known gap on Windows).
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("history: open lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
