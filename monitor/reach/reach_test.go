package reach

import (
	"net/netip"
	"strings"
	"testing"
)

// home is a laptop at home: Wi-Fi with a default route, a libvirt bridge,
// Docker's bridge with a container's veth, Tailscale, and a bridge br0
// that holds the Ethernet card.
func home() *State {
	p := netip.MustParsePrefix
	return &State{
		Ifaces: []Iface{
			{Index: 1, Name: "lo", ARPType: 772, Up: true, Loopback: true, Addrs: []netip.Prefix{p("127.0.0.1/8"), p("::1/128")}},
			{Index: 2, Name: "wlp2s0", ARPType: 1, Up: true, Wireless: true, Addrs: []netip.Prefix{p("192.168.1.20/24"), p("2a01:e0a::20/64")}},
			{Index: 3, Name: "virbr0", LinkKind: "bridge", ARPType: 1, Up: true, Addrs: []netip.Prefix{p("192.168.122.1/24")}},
			{Index: 4, Name: "docker0", LinkKind: "bridge", ARPType: 1, Up: true, Addrs: []netip.Prefix{p("172.17.0.1/16")}},
			{Index: 5, Name: "veth1a2b", LinkKind: "veth", ARPType: 1, Up: true, Master: 4},
			{Index: 6, Name: "tailscale0", LinkKind: "tun", ARPType: 65534, Up: true, Addrs: []netip.Prefix{p("100.101.102.103/32")}},
			{Index: 7, Name: "enp0s31f6", ARPType: 1, Up: true, Master: 8},
			{Index: 8, Name: "br0", LinkKind: "bridge", ARPType: 1, Up: true, Addrs: []netip.Prefix{p("10.0.0.5/24")}},
			{Index: 9, Name: "wg0", LinkKind: "wireguard", ARPType: 65534, Up: false, Addrs: []netip.Prefix{p("10.9.0.2/24")}},
		},
		Default4: []int{2},
		Conns: map[string]Conn{
			"wlp2s0":     {Name: "Home", UUID: "u-home", Type: "802-11-wireless"},
			"tailscale0": {Name: "tailscale0", UUID: "u-ts", Type: "tun"},
		},
	}
}

func TestClassify(t *testing.T) {
	s := home()
	for _, tc := range []struct {
		addr  string
		level Level
		first string // the widest network's interface ("" for none)
		kind  Kind
	}{
		{"127.0.0.1", ThisComputer, "", ""},
		{"127.0.0.53", ThisComputer, "", ""},
		{"::1", ThisComputer, "", ""},
		{"::ffff:127.0.0.1", ThisComputer, "", ""},
		{"192.168.1.20", LocalNetwork, "wlp2s0", KindWiFi},
		{"192.168.122.1", Guests, "virbr0", KindBridge},
		{"172.17.0.1", Guests, "docker0", KindBridge},
		{"100.101.102.103", VPN, "tailscale0", KindVPN},
		{"10.0.0.5", LocalNetwork, "br0", KindEthernet},
		{"10.9.0.2", VPN, "wg0", KindVPN},
		{"2a01:e0a::20", Everywhere, "wlp2s0", KindWiFi}, // a public address
		{"0.0.0.0", Everywhere, "wlp2s0", KindWiFi},
		{"::", Everywhere, "wlp2s0", KindWiFi},
		{"224.0.0.251", LocalNetwork, "br0", KindEthernet},
		{"10.1.2.3", LocalNetwork, "", ""}, // on no interface
	} {
		r := s.Classify(netip.MustParseAddr(tc.addr))
		if r.Level != tc.level {
			t.Errorf("%s: level %q, want %q (%+v)", tc.addr, r.Level, tc.level, r)
			continue
		}
		if tc.first == "" {
			if tc.level == ThisComputer && len(r.Networks) != 0 {
				t.Errorf("%s: networks %+v, want none", tc.addr, r.Networks)
			}
			continue
		}
		if len(r.Networks) == 0 || r.Networks[0].Interface != tc.first || r.Networks[0].Kind != tc.kind {
			t.Errorf("%s: networks %+v, want %s (%s) first", tc.addr, r.Networks, tc.first, tc.kind)
		}
	}
}

func TestWildcardListsEveryNetworkThatIsUp(t *testing.T) {
	r := home().Classify(netip.MustParseAddr("0.0.0.0"))
	var got []string
	for _, n := range r.Networks {
		got = append(got, n.Interface+":"+string(n.Reach))
	}
	// wg0 is down, lo is this computer, veth1a2b has no address; the
	// Wi-Fi carries the default route, so it reaches everywhere.
	want := "wlp2s0:everywhere br0:local-network tailscale0:vpn docker0:this-machine-guests virbr0:this-machine-guests"
	if strings.Join(got, " ") != want {
		t.Errorf("networks %q, want %q", strings.Join(got, " "), want)
	}
	if !r.Networks[0].DefaultRoute || r.Networks[0].Name != "Home" || r.Networks[0].UUID != "u-home" {
		t.Errorf("Wi-Fi network %+v: want the default route and NetworkManager's name", r.Networks[0])
	}
}

func TestWildcardWithoutDefaultRouteIsTheWidestNetwork(t *testing.T) {
	s := home()
	s.Default4 = nil
	if r := s.Classify(netip.MustParseAddr("0.0.0.0")); r.Level != LocalNetwork {
		t.Errorf("0.0.0.0 without a default route: %q, want local-network", r.Level)
	}
	// IPv6 wildcard takes IPv4 too: an IPv4 default route makes it everywhere.
	s = home()
	if r := s.Classify(netip.MustParseAddr("::")); r.Level != Everywhere {
		t.Errorf(":: with an IPv4 default route: %q, want everywhere", r.Level)
	}
	// Nothing up but loopback: a wildcard reaches this computer only.
	s = &State{Ifaces: []Iface{home().Ifaces[0]}}
	if r := s.Classify(netip.MustParseAddr("0.0.0.0")); r.Level != ThisComputer {
		t.Errorf("0.0.0.0 with only loopback: %q, want this-computer", r.Level)
	}
}

func TestText(t *testing.T) {
	s := home()
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.1", "this computer only"},
		{"192.168.1.20", "reachable from Wi-Fi 'Home' right now"},
		{"0.0.0.0", "reachable from everywhere, through Wi-Fi 'Home' right now"},
		{"192.168.122.1", "reachable from the virtual machines and containers on this computer (virbr0)"},
		{"100.101.102.103", "reachable from VPN 'tailscale0' (tailscale0) right now"},
		{"10.0.0.5", "reachable from Ethernet br0 right now"},
		{"10.1.2.3", "reachable from the network"},
	} {
		if got := s.Classify(netip.MustParseAddr(tc.addr)).Text(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.addr, got, tc.want)
		}
	}
	// A network's name is chosen by whoever runs it: escaped and bounded.
	n := Network{Interface: "wlan0", Kind: KindWiFi, Name: "Café\x1b[31m\nfree" + strings.Repeat("x", 200), Reach: LocalNetwork}
	got := Result{Level: LocalNetwork, Networks: []Network{n}}.Text()
	if strings.ContainsAny(got, "\x1b\n") || len(got) > 120 || !strings.Contains(got, "Café") {
		t.Errorf("hostile name shown as %q", got)
	}
}

func TestEqualIgnoresOrder(t *testing.T) {
	a, b := home(), home()
	b.Ifaces[0], b.Ifaces[1] = b.Ifaces[1], b.Ifaces[0]
	b.Ifaces[1].Addrs = []netip.Prefix{b.Ifaces[1].Addrs[1], b.Ifaces[1].Addrs[0]}
	if !a.Equal(b) {
		t.Error("the same state in another order is not Equal")
	}
	b.Conns["wlp2s0"] = Conn{Name: "Café", UUID: "u-cafe"}
	if a.Equal(b) {
		t.Error("another connection name is Equal")
	}
	c := home()
	c.Default4 = nil
	if a.Equal(c) {
		t.Error("a state without the default route is Equal")
	}
}

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2a01:e0a::1": true, "192.168.1.1": false, "10.0.0.1": false,
		"100.64.0.1": false, "fd00::1": false, "fe80::1": false, "203.0.113.9": false, "::ffff:8.8.8.8": true,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestRank(t *testing.T) {
	order := []Level{ThisComputer, Guests, VPN, LocalNetwork, Everywhere}
	for i := 1; i < len(order); i++ {
		if order[i].Rank() <= order[i-1].Rank() {
			t.Errorf("%s does not rank above %s", order[i], order[i-1])
		}
	}
	if Level("").Rank() >= ThisComputer.Rank() {
		t.Error("an unknown level ranks as high as this computer")
	}
}

func BenchmarkClassify(b *testing.B) {
	s := home()
	addrs := []netip.Addr{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("::"), netip.MustParseAddr("127.0.0.1"),
		netip.MustParseAddr("192.168.1.20"), netip.MustParseAddr("172.17.0.1")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Classify(addrs[i%len(addrs)])
	}
}

func TestTextInsideAnotherNamespace(t *testing.T) {
	cafe := Network{Interface: "wlan0", Kind: KindWiFi, Name: "Café", Reach: LocalNetwork}
	eth := Network{Interface: "eth0", Kind: KindEthernet, Reach: LocalNetwork, DefaultRoute: true}
	web := &Inside{Namespace: "net:[4026532177]", Container: "web", Engine: "podman"}
	bare := &Inside{Namespace: "net:[4026532200]"}
	pasta := &Through{Via: "pasta", PID: 812, Address: "0.0.0.0", Port: 8080}
	for _, tc := range []struct {
		name  string
		r     Result
		want  string
		short string
	}{
		{"loopback in a container", Result{Level: ThisComputer, Inside: web}, "only programs inside its container 'web'", "inside container"},
		{"loopback in a namespace", Result{Level: ThisComputer, Inside: bare}, "only programs inside its network namespace net:[4026532200]", "inside namespace"},
		{"wildcard with no forwarder", Result{Level: Guests, Inside: web},
			"reachable only inside its container 'web' and from this computer and its virtual machines and containers; no host port is forwarded to it", "VMs and containers"},
		{"wildcard forwarded no further", Result{Level: Guests, Inside: &Inside{Namespace: "net:[4026532177]", Container: "web", Forwarded: true}},
			"reachable inside its container 'web' and from this computer and its virtual machines and containers; its forwarded host ports reach no further", "VMs and containers"},
		{"through pasta on a Wi-Fi", Result{Level: LocalNetwork, Networks: []Network{cafe}, Inside: web, Through: pasta},
			"reachable from Wi-Fi 'Café' through pasta on port 8080 right now", "Wi-Fi 'Café'"},
		{"through pasta everywhere", Result{Level: Everywhere, Networks: []Network{eth}, Inside: web, Through: pasta},
			"reachable from everywhere (Ethernet eth0 right now) through pasta on port 8080", "everywhere"},
		{"through a forwarder on host loopback", Result{Level: ThisComputer, Inside: bare, Through: &Through{Via: "slirp4netns", Port: 2222}},
			"this computer only, through slirp4netns on port 2222", "this computer"},
	} {
		if got := tc.r.Text(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if got := tc.r.Short(); got != tc.short {
			t.Errorf("%s: short %q, want %q", tc.name, got, tc.short)
		}
	}
	// A container's name is chosen by whoever made it: escaped.
	got := Result{Level: ThisComputer, Inside: &Inside{Namespace: "net:[1]", Container: "x\x1b[2J\ny"}}.Text()
	if strings.ContainsAny(got, "\x1b\n") {
		t.Errorf("hostile container name shown as %q", got)
	}
}

func TestShortNamesOneNetwork(t *testing.T) {
	cafe := Network{Interface: "wlan0", Kind: KindWiFi, Name: "Café", Reach: LocalNetwork}
	eth := Network{Interface: "eth0", Kind: KindEthernet, Reach: LocalNetwork}
	office := Network{Interface: "wg0", Kind: KindVPN, Name: "Office", Reach: VPN}
	evil := Network{Interface: "wlan0", Kind: KindWiFi, Name: "a\x1b[2J\nb\u202e" + strings.Repeat("x", 500), Reach: LocalNetwork}
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Level: LocalNetwork, Networks: []Network{cafe}}, "Wi-Fi 'Café'"},
		{Result{Level: LocalNetwork, Networks: []Network{eth, office}}, "Ethernet eth0"},
		{Result{Level: LocalNetwork, Networks: []Network{cafe, eth}}, "local network"},
		{Result{Level: VPN, Networks: []Network{office}}, "VPN 'Office'"},
		{Result{Level: LocalNetwork, Networks: []Network{}}, "local network"},
		{Result{Level: Everywhere, Networks: []Network{cafe}}, "everywhere"},
		{Result{Level: LocalNetwork, Networks: []Network{evil}}, "Wi-Fi 'a b" + strings.Repeat("x", maxShortName-3) + "…'"},
	} {
		if got := tc.r.Short(); got != tc.want {
			t.Errorf("%+v: short %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestNetworksAreTheOnesUpWithAnAddress(t *testing.T) {
	var got []string
	for _, n := range home().Networks() {
		got = append(got, n.Interface+":"+string(n.Kind)+":"+n.Name)
	}
	// wg0 is down, lo is this computer, veth1a2b has no address.
	want := "wlp2s0:wifi:Home br0:ethernet: tailscale0:vpn:tailscale0 docker0:bridge: virbr0:bridge:"
	if strings.Join(got, " ") != want {
		t.Errorf("networks %q, want %q", strings.Join(got, " "), want)
	}
}
