//go:build linux

package reach

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// netnsEnv marks the test binary re-run inside a network namespace of its
// own (by unshare --net), where it builds interfaces and judges them.
const netnsEnv = "PORTLIGHT_REACH_NETNS"

// inNamespace re-runs the calling test inside a new network namespace and
// reports whether this process is that child (then the caller goes on
// and builds its world). Needs root, unshare and ip.
func inNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		return true
	}
	testrig.RequireRoot(t, "to make a network namespace and interfaces")
	testrig.Need(t, len(testrig.Missing("unshare", "ip")) == 0, "unshare (util-linux) and ip (iproute2)")
	cmd := exec.Command("unshare", "--net", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := testrig.DieWithParent(cmd).CombinedOutput()
	t.Logf("in the namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the namespace's test failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatal("the namespace's test did not run")
	}
	return false
}

// ip runs the ip command, failing the test on error.
func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestNamespaceWorld builds real interfaces in a network namespace: lo, a
// dummy "Ethernet" card, a bridge named like libvirt's with a veth port, a
// tun device as a VPN, a public address; it checks each address's level,
// then adds a default route and checks that the netlink subscription hears
// it and the wildcard now reaches everywhere.
func TestNamespaceWorld(t *testing.T) {
	if !inNamespace(t) {
		return
	}
	ip(t, "link", "set", "lo", "up")
	if exec.Command("ip", "link", "add", "eth9", "type", "dummy").Run() != nil {
		// Some kernels are built without dummy; ifb is another virtual
		// Ethernet-like device that no rule of reach names.
		t.Log("no dummy interfaces in this kernel: eth9 is an ifb device")
		ip(t, "link", "add", "eth9", "type", "ifb")
	}
	ip(t, "addr", "add", "192.168.50.10/24", "dev", "eth9")
	ip(t, "addr", "add", "9.9.9.99/32", "dev", "eth9")
	ip(t, "link", "set", "eth9", "up")
	ip(t, "link", "add", "virbr0", "type", "bridge")
	ip(t, "addr", "add", "192.168.122.1/24", "dev", "virbr0")
	ip(t, "link", "set", "virbr0", "up")
	ip(t, "link", "add", "vethA", "type", "veth", "peer", "name", "vethB")
	ip(t, "link", "set", "vethA", "master", "virbr0")
	ip(t, "addr", "add", "10.200.0.2/24", "dev", "vethB")
	ip(t, "link", "set", "vethA", "up")
	ip(t, "link", "set", "vethB", "up")
	ip(t, "tuntap", "add", "mode", "tun", "dev", "tun7")
	ip(t, "addr", "add", "10.8.0.2/24", "dev", "tun7")
	ip(t, "link", "set", "tun7", "up")
	wg := exec.Command("ip", "link", "add", "wg7", "type", "wireguard").Run() == nil
	if wg {
		ip(t, "addr", "add", "10.9.0.2/24", "dev", "wg7")
		ip(t, "link", "set", "wg7", "up")
	} else {
		t.Log("no WireGuard in this kernel: only the tun device stands for a VPN")
	}

	w := NewWatcher(Options{NoNetworkManager: true})
	want := map[string]struct {
		level Level
		iface string
		kind  Kind
	}{
		"127.0.0.1":      {ThisComputer, "", ""},
		"::1":            {ThisComputer, "", ""},
		"192.168.50.10":  {LocalNetwork, "eth9", KindEthernet},
		"9.9.9.99":       {Everywhere, "eth9", KindEthernet},
		"192.168.122.1":  {Guests, "virbr0", KindBridge},
		"10.200.0.2":     {Guests, "vethB", KindVeth},
		"10.8.0.2":       {VPN, "tun7", KindVPN},
		"0.0.0.0":        {LocalNetwork, "eth9", KindEthernet}, // no default route yet
		"192.168.50.199": {LocalNetwork, "", ""},               // on no interface
	}
	if wg {
		want["10.9.0.2"] = struct {
			level Level
			iface string
			kind  Kind
		}{VPN, "wg7", KindVPN}
	}
	for addr, tc := range want {
		r := w.Classify(netip.MustParseAddr(addr))
		if r.Level != tc.level {
			t.Errorf("%s: %q, want %q (%+v)", addr, r.Level, tc.level, r.Networks)
			continue
		}
		if tc.iface != "" && (len(r.Networks) == 0 || r.Networks[0].Interface != tc.iface || r.Networks[0].Kind != tc.kind) {
			t.Errorf("%s: networks %+v, want %s (%s) first", addr, r.Networks, tc.iface, tc.kind)
		}
	}
	all := w.Classify(netip.MustParseAddr("0.0.0.0"))
	var names []string
	for _, n := range all.Networks {
		names = append(names, n.Interface)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "eth9") || !strings.Contains(got, "tun7") ||
		!strings.Contains(got, "virbr0") || strings.Contains(got, "lo") {
		t.Errorf("0.0.0.0 reaches %q: want eth9, tun7 and virbr0, not lo", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitFor(t, "the watcher's first reading", func() bool { return w.Reads() >= 2 })
	gen := w.Generation()
	start := time.Now()
	ip(t, "route", "add", "default", "via", "192.168.50.1", "dev", "eth9")
	waitFor(t, "the default route to be heard", func() bool { return w.Generation() > gen })
	t.Logf("route change heard and read again in %v", time.Since(start).Round(time.Millisecond))
	if r := w.Classify(netip.MustParseAddr("0.0.0.0")); r.Level != Everywhere || !r.Networks[0].DefaultRoute ||
		r.Networks[0].Interface != "eth9" {
		t.Errorf("0.0.0.0 with a default route via eth9: %+v", r)
	}
	// The same state read again is no change.
	gen = w.Generation()
	if changed, err := w.Refresh(ctx); changed || err != nil || w.Generation() != gen {
		t.Errorf("reading an unchanged state: changed=%v err=%v", changed, err)
	}
	// Taking the card down is heard too: the wildcard no longer reaches it.
	ip(t, "link", "set", "eth9", "down")
	waitFor(t, "eth9 going down to be heard", func() bool { return w.Generation() > gen })
	for _, n := range w.Classify(netip.MustParseAddr("0.0.0.0")).Networks {
		if n.Interface == "eth9" {
			t.Errorf("0.0.0.0 still reaches eth9, which is down")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// BenchmarkReadKernel measures one reading of this machine's links,
// addresses and routes (what a refresh costs without NetworkManager).
func BenchmarkReadKernel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadKernel(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh measures a refresh that finds nothing changed: the
// reading plus the comparison.
func BenchmarkRefresh(b *testing.B) {
	w := NewWatcher(Options{NoNetworkManager: true})
	w.Refresh(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
