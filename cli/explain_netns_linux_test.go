//go:build linux

package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"portlight/internal/testrig"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
)

// startRole starts the test binary (as exe, or itself) in role with args,
// under prefix (e.g. unshare --net), and returns the port it prints.
func startRole(t *testing.T, exe, role string, prefix []string, args ...string) uint16 {
	t.Helper()
	if exe == "" {
		exe = os.Args[0]
	}
	argv := append(append(append([]string{}, prefix...), exe), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), benchRoleEnv+"="+role)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := testrig.DieWithParent(cmd).Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	var port uint16
	if _, serr := fmt.Sscanf(line, "listening %d", &port); serr != nil {
		t.Fatalf("%s %v: said %q (%v)", role, args, line, err)
	}
	go io.Copy(io.Discard, out)
	return port
}

// explain of a port in a container, forwarded from another host port
// (docker-proxy -host-port H -container-port P, as `docker run -p H:P`
// makes): the one-port scan does not see the forwarder, so explain scans
// every port and the listener is linked to the forwarder, not said to
// have none.
func TestExplainInnerListenerThroughAnotherPort(t *testing.T) {
	testrig.RequireRoot(t, "to make a network namespace")
	testrig.Need(t, len(testrig.Missing("unshare", "ip")) == 0, "unshare (util-linux) and ip (iproute2)")
	inner := startRole(t, "", "netns-listen", []string{"unshare", "--net"})

	free, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hostPort := uint16(free.Addr().(*net.TCPAddr).Port)
	free.Close()
	src, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	proxy := filepath.Join(t.TempDir(), "docker-proxy")
	if err := os.WriteFile(proxy, src, 0o755); err != nil {
		t.Fatal(err)
	}
	startRole(t, proxy, "listen", nil, "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", strconv.Itoa(int(hostPort)),
		"-container-ip", netnsAddr, "-container-port", strconv.Itoa(int(inner)))

	out, err := run(t, context.Background(), "explain", strconv.Itoa(int(inner)), "--json")
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	var doc struct {
		Listeners []policy.Assessment `json:"listeners"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var found bool
	for _, a := range doc.Listeners {
		if !a.Namespace.Inner() {
			continue
		}
		found = true
		// Linked to the forwarder; its host port on loopback reaches no
		// wider than the namespace's own guests do, so that reach stands.
		if a.Forwarder == nil || a.Forwarder.Via != "docker-proxy" || a.Forwarder.HostPort != hostPort {
			t.Errorf("port %d in the namespace: forwarder %+v, want docker-proxy on %d", inner, a.Forwarder, hostPort)
		}
		if a.Reach != reach.Guests || a.ReachThrough != nil || a.ReachInside == nil || !a.ReachInside.Forwarded {
			t.Errorf("port %d in the namespace: reach %q through %+v inside %+v, want the guests', forwarded no further", inner, a.Reach, a.ReachThrough, a.ReachInside)
		}
	}
	if !found {
		t.Fatalf("explain %d found no listener in another namespace: %s", inner, out)
	}
}
