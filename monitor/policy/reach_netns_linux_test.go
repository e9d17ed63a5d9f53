//go:build linux

package policy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
	"portlight/monitor"
	"portlight/monitor/reach"
)

// nsListenerEnv marks the test binary re-run by unshare --net in a network
// namespace of its own, where it binds the listeners the test judges.
const nsListenerEnv = "PORTLIGHT_POLICY_NETNS_LISTENER"

// nsListener is a child in a network namespace of its own with two TCP
// listeners there: one on loopback, one on the wildcard address.
type nsListener struct {
	pid            int32
	loop, wildcard uint16
}

// startNSListener re-runs the calling test inside `unshare --net`; the
// child (see serveNSListener) brings its loopback up, binds, prints its
// ports and serves until the test ends. Needs root, unshare and ip.
func startNSListener(t *testing.T) nsListener {
	t.Helper()
	testrig.RequireRoot(t, "to make a network namespace")
	testrig.Need(t, len(testrig.Missing("unshare", "ip")) == 0, "unshare (util-linux) and ip (iproute2)")
	cmd := exec.Command("unshare", "--net", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), nsListenerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := testrig.DieWithParent(cmd).Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		var c nsListener
		if _, err := fmt.Sscanf(lines.Text(), "listening %d %d", &c.loop, &c.wildcard); err == nil {
			c.pid = int32(cmd.Process.Pid) // unshare execs the test binary
			go io.Copy(io.Discard, out)
			return c
		}
	}
	t.Fatalf("the namespace's child did not say its ports: %v", lines.Err())
	return nsListener{}
}

// serveNSListener is the child's side of startNSListener.
func serveNSListener(t *testing.T) {
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up: %v %s", err, out)
	}
	var ports []int
	for _, addr := range []string{"127.0.0.1:0", "0.0.0.0:0"} {
		l, err := net.Listen("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	fmt.Printf("listening %d %d\n", ports[0], ports[1])
	io.Copy(io.Discard, os.Stdin) // until the test closes it
}

// scanUntil scans until, for each of want, a listener matches it, and
// returns the first match of each.
func scanUntil(t *testing.T, sc *monitor.Scanner, want ...func(monitor.Listener) bool) []monitor.Listener {
	t.Helper()
	var snap monitor.Snapshot
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if snap, err = sc.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got []monitor.Listener
		for _, w := range want {
			for _, l := range snap.Listeners {
				if w(l) {
					got = append(got, l)
					break
				}
			}
		}
		if len(got) == len(want) {
			return got
		}
	}
	t.Fatalf("not all listeners seen in %+v", snap.Listeners)
	return nil
}

// on matches a TCP listener on port, inside another namespace or not.
func on(port uint16, inner bool) func(monitor.Listener) bool {
	return func(l monitor.Listener) bool {
		return l.Proto == monitor.TCP && l.Port == port && l.Namespace.Inner() == inner
	}
}

// Real listeners in an `unshare --net` namespace, found by the real
// scanner and judged with this machine's networks: on loopback only that
// namespace reaches them; on the wildcard, this machine's guests at most,
// whatever the host's Wi-Fi or Ethernet reach; forwarded by a real
// slirp4netns from a host port, exactly what that host port reaches.
func TestInnerListenerReach(t *testing.T) {
	if os.Getenv(nsListenerEnv) == "1" {
		serveNSListener(t)
		return
	}
	c := startNSListener(t)
	sc := monitor.NewScanner()
	defer sc.Close()
	seen := scanUntil(t, sc, on(c.loop, true), on(c.wildcard, true))
	p := &Policy{Rules: DefaultRules(), Reach: ReachOf(reach.NewWatcher(reach.Options{NoNetworkManager: true}))}

	loop := p.Assess(seen[0])
	if !loop.Namespace.Inner() || loop.Reach != reach.ThisComputer || loop.ReachInside == nil ||
		loop.ReachInside.Namespace != loop.Namespace.String() || loop.ReachThrough != nil {
		t.Errorf("loopback in the namespace: reach %q inside %+v through %+v (namespace %v)", loop.Reach, loop.ReachInside, loop.ReachThrough, loop.Namespace)
	}
	if loop.PID != c.pid {
		t.Errorf("loopback listener's pid %d, want the child's %d", loop.PID, c.pid)
	}
	if want := "only programs inside its network namespace " + loop.Namespace.String(); reachText(loop) != want {
		t.Errorf("loopback in the namespace: %q, want %q", reachText(loop), want)
	}
	wild := p.Assess(seen[1])
	if wild.Reach != reach.Guests || wild.Exposure != monitor.Network || wild.ReachThrough != nil ||
		!strings.Contains(reachText(wild), "no host port is forwarded to it") {
		t.Errorf("wildcard in the namespace, no forwarder: reach %q exposure %q %q", wild.Reach, wild.Exposure, reachText(wild))
	}

	t.Run("through slirp4netns", func(t *testing.T) {
		testrig.RequireTool(t, "slirp4netns")
		// Every host address (0.0.0.0) to the same port inside, as rootless
		// podman does (its command line does not say the ports: the
		// monitor assumes the same one).
		hostPort := c.wildcard
		testrig.Slirp4netnsForward(t, c.pid, "0.0.0.0", hostPort)
		linked := func(l monitor.Listener) bool { return on(hostPort, true)(l) && l.Forwarder != nil }
		seen := scanUntil(t, sc, on(hostPort, false), linked)
		hostL, inner := seen[0], seen[1]
		if inner.PID != c.pid || hostL.ForwardedTo == nil {
			t.Fatalf("the forward is not linked: host %+v inner %+v", hostL, inner)
		}
		host, a := p.Assess(hostL), p.Assess(inner)
		if a.Reach != host.Reach || a.Reach == reach.Guests || a.Verdict.Severity != host.Verdict.Severity && host.Verdict.Alert {
			t.Errorf("forwarded inner listener reaches %q (severity %q), its forwarder's host port %q (%q)",
				a.Reach, a.Verdict.Severity, host.Reach, host.Verdict.Severity)
		}
		want := fmt.Sprintf("through slirp4netns on port %d", hostPort)
		t.Logf("host port: %s; inner: %s", reachText(host), reachText(a))
		if a.ReachThrough == nil || a.ReachThrough.Via != monitor.ViaSlirp4netns || a.ReachThrough.Port != hostPort ||
			!strings.Contains(reachText(a), want) {
			t.Errorf("through %+v, %q lacks %q", a.ReachThrough, reachText(a), want)
		}
	})
}

// reachText is what the assessment's reach says.
func reachText(a Assessment) string {
	return reach.Result{Level: a.Reach, Networks: a.ReachNetworks, Inside: a.ReachInside, Through: a.ReachThrough}.Text()
}
