//go:build linux

package monitor

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"portlight/internal/testrig"
)

// nobodyAs starts the test binary in the child role as nobody under the
// file name name (a forwarder's), with args, bound to specs.
func nobodyAs(t *testing.T, name string, args []string, specs ...string) *child {
	t.Helper()
	exe, env := testrig.NobodyExe(t)
	named := filepath.Join(filepath.Dir(exe), name)
	if err := os.Link(exe, named); err != nil {
		t.Fatal(err)
	}
	cmd := testrig.AsNobody(exec.Command(named, args...))
	cmd.Env = append(env, roleEnv+"=child")
	cmd.Dir = "/"
	return startChildCmd(t, cmd, specs...)
}

// forwarderOn returns the forward of the host listener on port held by pid,
// and whether the inner listener of namespace ns on inner is linked to it.
func forwarderOn(snap Snapshot, port uint16, pid int32, inner uint16, ns uint64) (*Forward, bool) {
	var to *Forward
	for _, l := range findPort(snap, TCP, port) {
		if l.PID == pid && !l.Namespace.Inner() {
			to = l.ForwardedTo
		}
	}
	linked := false
	for _, l := range findPort(snap, TCP, inner) {
		for _, f := range l.Forwarders {
			linked = linked || (l.Namespace.ID == ns && f.PID == pid)
		}
	}
	return to, linked
}

// A program of an ordinary user named pasta or docker-proxy, naming a
// namespace root made, is not linked to root's listener there (it could
// otherwise set what that listener reaches); the same program run by
// root is, and nobody's own pasta is linked to nobody's own namespace.
func TestForgedForwarderIsNotLinked(t *testing.T) {
	testrig.RequireRoot(t, "to create a namespace and run a forwarder as nobody")
	testrig.RequireTool(t, "nsenter", "ip")
	c := startNSChild(t)
	loAddr(t, c.pid, "192.0.2.8")
	pid := strconv.Itoa(int(c.pid))
	inner := c.bind("tcp4 0.0.0.0:0").port
	ns := netnsOf(t, c.pid)
	in := strconv.Itoa(int(inner))

	pastaPort, proxyPort, rootPort := testrig.FreeTCPPort(t), testrig.FreeTCPPort(t), testrig.FreeTCPPort(t)
	bindOn := func(p uint16) string { return "tcp4 127.0.0.1:" + strconv.Itoa(int(p)) }
	pasta := nobodyAs(t, "pasta", []string{"-t", fmt.Sprintf("%d:%d", pastaPort, inner), pid}, bindOn(pastaPort))
	proxy := nobodyAs(t, "docker-proxy", []string{"-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", strconv.Itoa(int(proxyPort)),
		"-container-ip", "192.0.2.8", "-container-port", in}, bindOn(proxyPort))
	rootPasta := startChildCmd(t, startAs(t, "pasta", "-t", fmt.Sprintf("%d:%d", rootPort, inner), pid), bindOn(rootPort))

	sc := NewScanner()
	defer sc.Close()
	snap := scanOnceT(t, sc)
	for _, fw := range []struct {
		name string
		port uint16
		c    *child
	}{{"nobody's pasta", pastaPort, pasta}, {"nobody's docker-proxy", proxyPort, proxy}} {
		to, linked := forwarderOn(snap, fw.port, fw.c.pid, inner, ns)
		if to == nil || to.Namespace != 0 || linked {
			t.Errorf("%s naming root's net:[%d]: forwards to %+v, linked %v; want a claim linked to nothing", fw.name, ns, to, linked)
		}
	}
	if to, linked := forwarderOn(snap, rootPort, rootPasta.pid, inner, ns); to == nil || to.Namespace != ns || !linked {
		t.Errorf("root's pasta: forwards to %+v, linked %v; want linked to net:[%d]", to, linked, ns)
	}

	t.Run("nobody's own namespace", func(t *testing.T) {
		own, _, _ := startNobodyNSChild(t, "tcp4 0.0.0.0:0")
		ownPort, ownNS := own.bound[0].port, netnsOf(t, own.pid)
		hostPort := testrig.FreeTCPPort(t)
		p := nobodyAs(t, "pasta", []string{"-t", fmt.Sprintf("%d:%d", hostPort, ownPort), strconv.Itoa(int(own.pid))}, bindOn(hostPort))
		snap := scanOnceT(t, sc)
		if to, linked := forwarderOn(snap, hostPort, p.pid, ownPort, ownNS); to == nil || to.Namespace != ownNS || !linked {
			t.Errorf("nobody's pasta for nobody's net:[%d]: forwards to %+v, linked %v; want linked", ownNS, to, linked)
		}
	})
}
