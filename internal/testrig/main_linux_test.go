package testrig

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// roleEnv makes the test binary a helper process instead of running tests.
const roleEnv = "PORTLIGHT_TESTRIG_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "orphan" {
		// Start a child tied to this process, say its pid, and exit.
		cmd := DieWithParent(exec.Command("sleep", "60"))
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
