package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"

	gnet "github.com/shirou/gopsutil/v3/net"
)

// benchRoleEnv names the role a re-executed test binary plays: for the
// one-shot benchmarks, "cli" runs the command of its arguments as the
// portlight command would (without the GUI the real binary links), and
// "gopsutil" lists the connections with gopsutil, for comparison; for the
// namespace tests, "listen" binds its arguments' address and port (a
// docker-proxy's -host-ip and -host-port when named so), or, inside a new
// network namespace, "netns-listen" gives that namespace's loopback an
// address and binds a wildcard port; both print the port and serve until
// their input closes.
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
	case "listen", "netns-listen":
		return listenRole(role, args)
	}
	fmt.Fprintf(os.Stderr, "unknown role %q\n", role)
	return 2
}

// netnsAddr is the address the "netns-listen" role gives its namespace's
// loopback: a container's address, for a docker-proxy to name.
const netnsAddr = "192.0.2.7"

// listenRole plays "listen" (args: -host-ip ADDR -host-port PORT, as
// docker-proxy takes them) or "netns-listen".
func listenRole(role string, args []string) int {
	addr := "0.0.0.0:0"
	if role == "netns-listen" {
		for _, a := range [][]string{{"link", "set", "lo", "up"}, {"addr", "add", netnsAddr + "/32", "dev", "lo"}} {
			if out, err := exec.Command("ip", a...).CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "ip %v: %v %s\n", a, err, out)
				return 1
			}
		}
	} else {
		host, port := "127.0.0.1", "0"
		for i := 0; i+1 < len(args); i++ {
			switch args[i] {
			case "-host-ip":
				host = args[i+1]
			case "-host-port":
				port = args[i+1]
			}
		}
		addr = net.JoinHostPort(host, port)
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	fmt.Println("listening", l.Addr().(*net.TCPAddr).Port)
	io.Copy(io.Discard, os.Stdin)
	return 0
}
