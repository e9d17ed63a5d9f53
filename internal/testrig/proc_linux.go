package testrig

import (
	"os/exec"
	"syscall"
)

// sysProcAttr returns cmd's SysProcAttr, made if absent.
func sysProcAttr(cmd *exec.Cmd) *syscall.SysProcAttr {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	return cmd.SysProcAttr
}

// DieWithParent makes the kernel kill cmd's process (SIGKILL) when the
// thread that started it exits, so a child never outlives a test that
// failed or was killed. Start it from a goroutine that lives as long as the
// test (the test's own).
func DieWithParent(cmd *exec.Cmd) *exec.Cmd {
	sysProcAttr(cmd).Pdeathsig = syscall.SIGKILL
	return cmd
}
