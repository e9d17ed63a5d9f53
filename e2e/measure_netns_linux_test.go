//go:build linux

package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// extraNamespaces starts PORTLIGHT_MEASURE_EXTRA_NETNS=N children, each in
// a network namespace of its own (`unshare --net`, root) holding one TCP
// listener (this test binary as the listen helper), so that
// BenchmarkResidentIdle measures Portlight reading N other namespaces, as
// beside N containers. They die with the test (DieWithParent). It prints
// what it started; nothing when the variable is unset. Not with
// PORTLIGHT_MEASURE_NETNS=1, whose private PID namespace and /proc would
// hide the children from Portlight.
func extraNamespaces(b *testing.B) {
	s := os.Getenv("PORTLIGHT_MEASURE_EXTRA_NETNS")
	if s == "" {
		return
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		b.Fatalf("PORTLIGHT_MEASURE_EXTRA_NETNS=%q", s)
	}
	if os.Getenv("PORTLIGHT_MEASURE_NETNS") == "1" {
		// Portlight would run in a PID namespace and /proc of its own,
		// where these children are not: it would read none of them.
		b.Fatal("PORTLIGHT_MEASURE_EXTRA_NETNS and PORTLIGHT_MEASURE_NETNS=1 do not go together: " +
			"Portlight could not see the extra namespaces' processes")
	}
	testrig.RequireRoot(b, "to create network namespaces (PORTLIGHT_MEASURE_EXTRA_NETNS)")
	testrig.RequireTool(b, "unshare")
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	for range n {
		cmd := testrig.DieWithParent(exec.Command("unshare", "--net", "--", self))
		// Its loopback is down: a wildcard address binds.
		cmd.Env = append(os.Environ(), envListen+"=0.0.0.0:0")
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatalf("unshare --net: %v", err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		ready := make(chan bool, 1)
		go func() {
			line, _ := bufio.NewReader(out).ReadString('\n')
			ready <- line == "ready\n"
		}()
		select {
		case ok := <-ready:
			if !ok {
				b.Fatal("a listener in a network namespace of its own did not start")
			}
		case <-time.After(10 * time.Second):
			b.Fatal("a listener in a network namespace of its own: not ready within 10 s")
		}
	}
	fmt.Printf("measure: %d extra network namespaces, one listener each (PORTLIGHT_MEASURE_EXTRA_NETNS)\n", n)
}
