//go:build linux

package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"portlight/internal/testrig"
)

// startNSChild starts a child of the test binary in a network namespace of
// its own (needs root) and binds specs there. Its loopback is down, so
// specs bind wildcard addresses.
func startNSChild(t testing.TB, specs ...string) *child {
	t.Helper()
	cmd := exec.Command(testExe(t))
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	return startChildCmd(t, cmd, specs...)
}

// netnsOf reads pid's network namespace inode as the kernel prints it.
func netnsOf(t testing.TB, pid int32) uint64 {
	t.Helper()
	link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		t.Fatal(err)
	}
	ino, err := parseNSLink([]byte(link))
	if err != nil {
		t.Fatalf("parse %q: %v", link, err)
	}
	return ino
}

// findPort returns the listeners of snap on port with proto.
func findPort(snap Snapshot, proto Proto, port uint16) []Listener {
	var out []Listener
	for _, l := range snap.Listeners {
		if l.Proto == proto && l.Port == port {
			out = append(out, l)
		}
	}
	return out
}

func scanOnceT(t *testing.T, sc *Scanner) Snapshot {
	t.Helper()
	snap, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return snap
}

// A listener bound in another network namespace is reported with that
// namespace and its process, beside a host listener on the same port, by
// both ways of reading a namespace (a netlink socket opened inside it, and
// its member's /proc/PID/net); when it closes, Diff reports that one
// closed, not the host's.
func TestScannerOtherNamespace(t *testing.T) {
	testrig.RequireRoot(t, "to create a network namespace")
	c := startNSChild(t, "tcp4 0.0.0.0:0", "udp6 [::]:0")
	tcpPort, udpPort := c.bound[0].port, c.bound[1].port
	h := startChild(t, "tcp4 127.0.0.1:"+strconv.Itoa(int(tcpPort)))
	ns := netnsOf(t, c.pid)
	for _, viaNetlink := range []bool{true, false} {
		t.Run(fmt.Sprintf("netlink=%v", viaNetlink), func(t *testing.T) {
			sc := NewScanner()
			defer sc.Close()
			tr := sc.ns.(*nsTracker)
			tr.root = viaNetlink
			tr.perScan, tr.minEvery, tr.nlPerScan = 1<<20, 1, 1<<20 // every namespace every scan: other tests' may be about
			snap := scanOnceT(t, sc)
			ls := findPort(snap, TCP, tcpPort)
			if len(ls) != 2 {
				t.Fatalf("port %d: %d listeners, want the host's and the namespace's: %+v", tcpPort, len(ls), ls)
			}
			var inner, host Listener
			for _, l := range ls {
				if l.Namespace.Inner() {
					inner = l
				} else {
					host = l
				}
			}
			if inner.PID != c.pid || inner.Namespace.ID != ns || inner.Address != "0.0.0.0" {
				t.Errorf("inner listener %+v, want pid %d in net:[%d]", inner, c.pid, ns)
			}
			if host.PID != h.pid || !host.Namespace.Host || host.Namespace.ID != tr.hostIno {
				t.Errorf("host listener pid %d namespace %+v, want pid %d in the host's", host.PID, host.Namespace, h.pid)
			}
			if inner.Key() == host.Key() {
				t.Errorf("the same key %q for two namespaces", inner.Key())
			}
			if tr.spaces[ns] == nil || (tr.spaces[ns].nlFD >= 0) != viaNetlink {
				t.Errorf("namespace read by netlink = %v, want %v", tr.spaces[ns] != nil && tr.spaces[ns].nlFD >= 0, viaNetlink)
			}
			if u := findPort(snap, UDP, udpPort); len(u) != 1 || u[0].PID != c.pid || u[0].Namespace.ID != ns {
				t.Errorf("udp port %d: %+v, want the child's in net:[%d]", udpPort, u, ns)
			}
			// A still scan: the same listeners on this test's ports (other
			// packages' tests open and close listeners meanwhile).
			again := scanOnceT(t, sc)
			for _, e := range Diff(snap, again) {
				if e.Listener.Port == tcpPort || e.Listener.Port == udpPort {
					t.Errorf("a still scan changed: %+v", e)
				}
			}
		})
	}
	sc := NewScanner()
	defer sc.Close()
	before := scanOnceT(t, sc)
	c.kill()
	after := scanOnceT(t, sc)
	var closed []string
	for _, e := range Diff(before, after) {
		if e.Kind == Closed && e.Listener.Port == tcpPort {
			closed = append(closed, e.Listener.Namespace.String())
		}
	}
	if len(closed) != 1 || closed[0] != fmt.Sprintf("net:[%d]", ns) {
		t.Errorf("closed on port %d: %q, want only net:[%d]'s", tcpPort, closed, ns)
	}
	if len(findPort(after, TCP, tcpPort)) != 1 {
		t.Errorf("after the namespace's child exited: %+v", findPort(after, TCP, tcpPort))
	}
	if _, ok := sc.ns.(*nsTracker).spaces[ns]; ok {
		t.Errorf("net:[%d] still tracked after its only member exited", ns)
	}
}

// startNobodyNSChild starts the child role as nobody in a network (and
// user) namespace of its own, as rootless podman makes one, binding specs;
// it returns the child and the nobody-runnable test binary and environment
// for further roles. Skipped (or failed under make test) where ordinary
// users may not make user namespaces.
func startNobodyNSChild(t *testing.T, specs ...string) (*child, string, []string) {
	t.Helper()
	exe, env := testrig.NobodyExe(t)
	probe := testrig.AsNobody(exec.Command("unshare", "-rn", "true"))
	probe.Env = env
	out, err := probe.CombinedOutput()
	testrig.Need(t, err == nil, fmt.Sprintf("user namespaces for an ordinary user (unshare -rn: %v %s)", err, out))
	cmd := testrig.AsNobody(exec.Command("unshare", "-rn", exe))
	cmd.Env = append(env, roleEnv+"=child")
	cmd.Dir = "/"
	return startChildCmd(t, cmd, specs...), exe, env
}

// As an ordinary user, a namespace of one's own (`unshare -rn`, as rootless
// podman makes) is read through /proc/PID/net and its listener attributed.
func TestScannerOtherNamespaceUnprivileged(t *testing.T) {
	testrig.RequireRoot(t, "to run the scanner and a namespace as nobody")
	c, exe, env := startNobodyNSChild(t, "tcp4 0.0.0.0:0")
	port := c.bound[0].port
	ns := netnsOf(t, c.pid)

	scan := testrig.AsNobody(exec.Command(exe))
	scan.Env = append(env, roleEnv+"=scan")
	scan.Dir = "/"
	raw, err := scan.Output()
	if err != nil {
		t.Fatalf("scan as nobody: %v", err)
	}
	var r scanAsReport
	if err := json.Unmarshal(raw, &r); err != nil || r.Error != "" {
		t.Fatalf("scan as nobody: %v %s", err, r.Error)
	}
	ls := findPort(r.Snapshot, TCP, port)
	if len(ls) != 1 || ls[0].PID != c.pid || ls[0].Namespace.ID != ns || ls[0].UID != testrig.NobodyUID {
		t.Fatalf("port %d as seen by nobody: %+v, want pid %d in net:[%d]", port, ls, c.pid, ns)
	}
}

// startAs starts the test binary in the child role under another file name
// (what a forwarder's executable is recognised by), with args.
func startAs(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(testExe(t))
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, name)
	if err := os.WriteFile(exe, src, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	return cmd
}

// loAddr brings up lo in pid's network namespace and gives it addr (/32),
// the address a forwarder's command line names as its container's.
func loAddr(t *testing.T, pid int32, addr string) {
	t.Helper()
	p := strconv.Itoa(int(pid))
	for _, args := range [][]string{{"link", "set", "lo", "up"}, {"addr", "add", addr + "/32", "dev", "lo"}} {
		if out, err := exec.Command("nsenter", append([]string{"-t", p, "-n", "ip"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v %s", args, err, out)
		}
	}
}

// A docker-proxy (the real flag syntax, a real host listener) is linked to
// the listener of the namespace whose interface has its container address;
// one whose container cannot be seen still says where it forwards.
func TestDockerProxyForward(t *testing.T) {
	testrig.RequireRoot(t, "to create a network namespace")
	testrig.RequireTool(t, "nsenter", "ip")
	c := startNSChild(t)
	loAddr(t, c.pid, "192.0.2.7")
	inner := c.bind("tcp4 0.0.0.0:0").port
	ns := netnsOf(t, c.pid)

	seen, unseen := testrig.FreeTCPPort(t), testrig.FreeTCPPort(t)
	proxy := func(hostPort uint16, ip string) *child {
		cmd := startAs(t, "docker-proxy", "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", strconv.Itoa(int(hostPort)),
			"-container-ip", ip, "-container-port", strconv.Itoa(int(inner)))
		return startChildCmd(t, cmd, "tcp4 127.0.0.1:"+strconv.Itoa(int(hostPort)))
	}
	p1 := proxy(seen, "192.0.2.7")
	p2 := proxy(unseen, "192.0.2.99")

	sc := NewScanner()
	defer sc.Close()
	snap := scanOnceT(t, sc)
	want := Forward{Via: ViaDockerProxy, PID: p1.pid, Proto: TCP, HostAddress: "127.0.0.1", HostPort: seen,
		InnerAddress: "192.0.2.7", InnerPort: inner, Namespace: ns}
	h := findPort(snap, TCP, seen)
	if len(h) != 1 || h[0].ForwardedTo == nil || *h[0].ForwardedTo != want {
		t.Fatalf("docker-proxy's listener %+v, want forwarded to %+v", h, want)
	}
	in := findPort(snap, TCP, inner)
	var got *Forward
	for _, l := range in {
		if l.Namespace.ID == ns {
			got = l.Forwarder
		}
	}
	if got == nil || *got != want {
		t.Errorf("inner listener's forwarder %+v, want %+v", got, want)
	}
	h = findPort(snap, TCP, unseen)
	if len(h) != 1 || h[0].ForwardedTo == nil || h[0].ForwardedTo.Namespace != 0 ||
		h[0].ForwardedTo.InnerAddress != "192.0.2.99" || h[0].PID != p2.pid {
		t.Errorf("docker-proxy to an unseen container: %+v", h)
	}
}

// slirp4netns (real, as rootless podman runs it) forwarding a host port
// into a namespace is linked to the listener there.
func TestSlirp4netnsForward(t *testing.T) {
	testrig.RequireRoot(t, "to create a network namespace")
	testrig.RequireTool(t, "slirp4netns")
	c := startNSChild(t, "tcp4 0.0.0.0:0")
	port := c.bound[0].port
	ns := netnsOf(t, c.pid)
	cmd := testrig.Slirp4netnsForward(t, c.pid, "127.0.0.1", port)
	sc := NewScanner()
	defer sc.Close()
	snap := scanOnceT(t, sc)
	var host, inner *Listener
	for _, l := range findPort(snap, TCP, port) {
		if l.Namespace.Inner() {
			inner = &l
		} else if l.PID == int32(cmd.Process.Pid) {
			host = &l
		}
	}
	if host == nil || host.ForwardedTo == nil || host.ForwardedTo.Via != ViaSlirp4netns || host.ForwardedTo.Namespace != ns {
		t.Fatalf("slirp4netns's listener on %d: %+v", port, host)
	}
	if inner == nil || inner.Forwarder == nil || inner.Forwarder.PID != int32(cmd.Process.Pid) {
		t.Errorf("inner listener on %d: %+v, want reached through slirp4netns", port, inner)
	}
}
