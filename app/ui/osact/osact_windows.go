package osact

import (
	"errors"
	"os"
	"os/exec"
)

// opener is Explorer, given the folder as its only argument.
func opener(dir string) (string, []string) { return "explorer.exe", []string{dir} }

// ignoreExit: explorer.exe exits with status 1 even when it opened the folder.
func ignoreExit(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}

func terminate(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
