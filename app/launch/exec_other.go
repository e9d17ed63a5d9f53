//go:build !unix

package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// Replace runs the program at path with args and exits with its status
// once it ends: without exec(2), this process waits in its place, its
// standard streams shared. It returns only if the program could not start.
func Replace(path string, args []string) error {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		os.Exit(exit.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	os.Exit(0)
	return nil
}
