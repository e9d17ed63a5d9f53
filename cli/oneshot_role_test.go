package cli

import (
	"context"
	"fmt"
	"os"

	gnet "github.com/shirou/gopsutil/v3/net"
)

// benchRoleEnv names the role a re-executed test binary plays for the
// one-shot benchmarks: "cli" runs the command of its arguments as the
// portlight command would (without the GUI the real binary links), and
// "gopsutil" lists the connections with gopsutil, for comparison.
const benchRoleEnv = "PORTLIGHT_CLI_BENCH_ROLE"

// runBenchRole plays role and returns the exit status.
func runBenchRole(role string, args []string) int {
	switch role {
	case "cli":
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "cli role: no command")
			return 2
		}
		if err := Run(context.Background(), args[0], Env{Args: args[1:], Stdout: os.Stdout, Stderr: os.Stderr}); err != nil {
			fmt.Fprintln(os.Stderr, "portlight:", err)
			return 1
		}
		return 0
	case "gopsutil":
		cs, err := gnet.Connections("inet")
		if err != nil {
			fmt.Fprintln(os.Stderr, "gopsutil:", err)
			return 1
		}
		fmt.Println(len(cs), "connections")
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
	return 2
}
