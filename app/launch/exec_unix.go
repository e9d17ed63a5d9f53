//go:build unix

package launch

import (
	"fmt"
	"os"
	"syscall"
)

// Replace runs the program at path with args in place of this process, as
// a shell's exec does: same process id, terminal, signals and exit status.
// It returns only on failure.
func Replace(path string, args []string) error {
	argv := append([]string{path}, args...)
	if err := syscall.Exec(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}
