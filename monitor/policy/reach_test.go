package policy

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
)

// onNetwork is a Policy.Reach that says every listener reaches r.
func onNetwork(r reach.Result) func(monitor.Listener) reach.Result {
	return func(monitor.Listener) reach.Result { return r }
}

func TestSeverityFollowsReach(t *testing.T) {
	cafe := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", UUID: "u-cafe", Reach: reach.LocalNetwork}
	home := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Home", UUID: "u-home", Reach: reach.LocalNetwork}
	wg := reach.Network{Interface: "wg0", Kind: reach.KindVPN, Reach: reach.VPN}
	virbr := reach.Network{Interface: "virbr0", Kind: reach.KindBridge, Reach: reach.Guests}
	at := func(l reach.Level, ns ...reach.Network) reach.Result { return reach.Result{Level: l, Networks: ns} }
	for _, tc := range []struct {
		name   string
		r      reach.Result
		rules  NetworkRules
		want   Severity
		reason string
	}{
		{"this computer", at(reach.ThisComputer), NetworkRules{}, SeverityLow, "this computer only"},
		{"guests", at(reach.Guests, virbr), NetworkRules{}, SeverityLow, "virtual machines and containers"},
		{"vpn", at(reach.VPN, wg), NetworkRules{}, SeverityMedium, "VPN wg0"},
		{"home wi-fi", at(reach.LocalNetwork, home), NetworkRules{}, SeverityMedium, "reachable from Wi-Fi 'Home' right now"},
		{"café marked public by name", at(reach.LocalNetwork, cafe), NetworkRules{Public: []string{"Café"}}, SeverityHigh, "Wi-Fi 'Café' is marked public"},
		{"café marked public by uuid", at(reach.LocalNetwork, cafe), NetworkRules{Public: []string{"u-cafe"}}, SeverityHigh, "marked public"},
		{"unknown taken as public", at(reach.LocalNetwork, cafe), NetworkRules{Trusted: []string{"Home"}, UnknownIsPublic: true}, SeverityHigh, "unknown networks count as public"},
		{"trusted stays medium", at(reach.LocalNetwork, home), NetworkRules{Trusted: []string{"u-home"}, UnknownIsPublic: true}, SeverityMedium, "Wi-Fi 'Home'"},
		// An access point can call itself Home: trust goes by UUID only.
		{"trusted by name is not trusted", at(reach.LocalNetwork, home), NetworkRules{Trusted: []string{"Home"}, UnknownIsPublic: true}, SeverityHigh, "unknown networks count as public"},
		{"public by name beats trust", at(reach.LocalNetwork, home), NetworkRules{Public: []string{"Home"}, Trusted: []string{"u-home"}}, SeverityHigh, "marked public"},
		{"a VPN is not unknown-public", at(reach.VPN, wg), NetworkRules{UnknownIsPublic: true}, SeverityMedium, "VPN"},
		{"a VPN marked public", at(reach.VPN, reach.Network{Interface: "tun0", Kind: reach.KindVPN, Name: "Hotel", Reach: reach.VPN}), NetworkRules{Public: []string{"Hotel"}}, SeverityHigh, "marked public"},
		{"everywhere", at(reach.Everywhere, home), NetworkRules{}, SeverityHigh, "reachable from everywhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Policy{Rules: DefaultRules(), Reach: onNetwork(tc.r)}
			p.Rules.Networks = tc.rules
			l := monitor.Listener{Proto: monitor.TCP, Address: "192.168.1.20", Port: 50000, Exposure: monitor.Network}
			a := p.Assess(l)
			if !a.Verdict.Alert || a.Verdict.Severity != tc.want {
				t.Errorf("alert=%v severity %q, want %q; reasons %q", a.Verdict.Alert, a.Verdict.Severity, tc.want, a.Verdict.Reasons)
			}
			if !strings.Contains(strings.Join(a.Verdict.Reasons, "; "), tc.reason) {
				t.Errorf("reasons %q lack %q", a.Verdict.Reasons, tc.reason)
			}
			if a.Reach != tc.r.Level {
				t.Errorf("assessment reach %q, want %q", a.Reach, tc.r.Level)
			}
		})
	}
}

func TestDynamicPortNeedsANetwork(t *testing.T) {
	p := &Policy{Rules: DefaultRules(), Reach: onNetwork(reach.Result{Level: reach.ThisComputer})}
	// An address not on loopback that, right now, only this computer
	// reaches (no interface up): the dynamic-from-network trigger does not fire.
	l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 50000, Exposure: monitor.Network}
	if v := p.Judge(l, portinfo.Info{Status: portinfo.StatusDynamic}); v.Alert {
		t.Errorf("alerted with no network: %+v", v)
	}
}

func TestWithoutReachTheExposureDecides(t *testing.T) {
	p := &Policy{Rules: DefaultRules()}
	a := p.Assess(monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 50000, Exposure: monitor.Network})
	if a.Reach != reach.Everywhere || a.Verdict.Severity != SeverityHigh || !strings.Contains(strings.Join(a.Verdict.Reasons, ";"), "reachable from the network") {
		t.Errorf("network exposure without reach: %q %q %q", a.Reach, a.Verdict.Severity, a.Verdict.Reasons)
	}
	a = p.Assess(monitor.Listener{Proto: monitor.TCP, Address: "127.0.0.1", Port: 50000, Exposure: monitor.Loopback})
	if a.Reach != reach.ThisComputer {
		t.Errorf("loopback exposure without reach: %q", a.Reach)
	}
}

func TestAssessmentJSONHasReach(t *testing.T) {
	p := &Policy{Rules: DefaultRules(), Reach: onNetwork(reach.Result{Level: reach.LocalNetwork,
		Networks: []reach.Network{{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", Reach: reach.LocalNetwork}}})}
	b, err := json.Marshal(p.Assess(monitor.Listener{Proto: monitor.TCP, Address: "192.168.1.20", Port: 22, Exposure: monitor.Network}))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	nets, _ := m["reach_networks"].([]any)
	if m["exposure"] != "network" || m["reach"] != "local-network" || len(nets) != 1 ||
		nets[0].(map[string]any)["name"] != "Café" || nets[0].(map[string]any)["interface"] != "wlan0" || nets[0].(map[string]any)["kind"] != "wifi" {
		t.Errorf("JSON: %s", b)
	}
}

// byAddress is a Policy.Reach that says what each host address reaches.
func byAddress(m map[string]reach.Result) func(monitor.Listener) reach.Result {
	return func(l monitor.Listener) reach.Result {
		if r, ok := m[l.Address]; ok {
			return r
		}
		return reach.Result{Level: reach.Everywhere}
	}
}

// A listener of another namespace is judged by its forwarders on the host
// (the widest-reaching one), never by the host's interfaces: with none, it
// reaches that namespace only (loopback) or this machine's guests at most,
// and a forwarder only ever widens that.
func TestInnerListenerReachesThroughItsForwarders(t *testing.T) {
	cafe := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", Reach: reach.LocalNetwork}
	host := map[string]reach.Result{
		"127.0.0.1": {Level: reach.ThisComputer},
		"0.0.0.0":   {Level: reach.LocalNetwork, Networks: []reach.Network{cafe}},
		"::":        {Level: reach.Everywhere},
	}
	ns := monitor.Namespace{ID: 4026532177}
	web := &monitor.Container{Engine: "podman", Name: "web"}
	pastaAt := func(addr string, port uint16) monitor.Forward {
		return monitor.Forward{Via: monitor.ViaPasta, PID: 812, Proto: monitor.TCP, HostAddress: addr, HostPort: port, InnerPort: 50000, Namespace: ns.ID}
	}
	inner := func(addr string, fs ...monitor.Forward) monitor.Listener {
		l := monitor.Listener{Proto: monitor.TCP, Address: addr, Port: 50000, Exposure: monitor.Network, Namespace: ns, Container: web, Forwarders: fs}
		if a := netip.MustParseAddr(addr); a.IsLoopback() {
			l.Exposure = monitor.Loopback
		}
		if len(fs) > 0 {
			l.Forwarder = &fs[0]
		}
		return l
	}
	for _, tc := range []struct {
		name     string
		l        monitor.Listener
		level    reach.Level
		severity Severity
		via      uint16 // the forwarder's host port; 0 for none
		text     string
	}{
		{"loopback inside, no forwarder", inner("127.0.0.1"), reach.ThisComputer, SeverityLow, 0, "only programs inside its container 'web'"},
		{"wildcard inside, no forwarder: not the host's Wi-Fi", inner("0.0.0.0"), reach.Guests, SeverityLow, 0, "no host port is forwarded to it"},
		{"loopback inside, forwarded from the host's loopback", inner("127.0.0.1", pastaAt("127.0.0.1", 8080)), reach.ThisComputer, SeverityLow, 8080, "this computer only, through pasta on port 8080"},
		{"wildcard inside, forwarded from the host's loopback: still the guests'", inner("0.0.0.0", pastaAt("127.0.0.1", 8080)), reach.Guests, SeverityLow, 0, "its forwarded host ports reach no further"},
		{"forwarded from the host's Wi-Fi", inner("0.0.0.0", pastaAt("0.0.0.0", 8080)), reach.LocalNetwork, SeverityMedium, 8080, "reachable from Wi-Fi 'Café' through pasta on port 8080 right now"},
		{"the widest of two forwarders", inner("0.0.0.0", pastaAt("127.0.0.1", 8080), pastaAt("::", 8443), pastaAt("0.0.0.0", 8081)), reach.Everywhere, SeverityHigh, 8443, "through pasta on port 8443"},
		{"only the Forwarder link (Forwarders not filled)", func() monitor.Listener {
			l := inner("0.0.0.0")
			f := pastaAt("0.0.0.0", 9000)
			l.Forwarder = &f
			return l
		}(), reach.LocalNetwork, SeverityMedium, 9000, "through pasta on port 9000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Policy{Rules: DefaultRules(), Reach: byAddress(host)}
			a := p.Assess(tc.l)
			if a.Reach != tc.level || a.Verdict.Severity != tc.severity {
				t.Errorf("reach %q severity %q, want %q %q; reasons %q", a.Reach, a.Verdict.Severity, tc.level, tc.severity, a.Verdict.Reasons)
			}
			if a.ReachInside == nil || a.ReachInside.Namespace != "net:[4026532177]" || a.ReachInside.Container != "web" {
				t.Errorf("inside %+v, want web in net:[4026532177]", a.ReachInside)
			}
			switch {
			case tc.via == 0 && a.ReachThrough != nil:
				t.Errorf("through %+v, want none", a.ReachThrough)
			case tc.via != 0 && (a.ReachThrough == nil || a.ReachThrough.Port != tc.via || a.ReachThrough.Via != monitor.ViaPasta):
				t.Errorf("through %+v, want pasta on %d", a.ReachThrough, tc.via)
			}
			if !strings.Contains(strings.Join(a.Verdict.Reasons, "; "), tc.text) {
				t.Errorf("reasons %q lack %q", a.Verdict.Reasons, tc.text)
			}
		})
	}
	// Without a classifier the rule is the same: the forwarder's host
	// address decides by its exposure.
	p := &Policy{Rules: DefaultRules()}
	if a := p.Assess(inner("0.0.0.0")); a.Reach != reach.Guests {
		t.Errorf("no classifier, no forwarder: %q, want guests", a.Reach)
	}
	if a := p.Assess(inner("0.0.0.0", pastaAt("127.0.0.1", 8080))); a.Reach != reach.Guests {
		t.Errorf("no classifier, forwarder on loopback: %q, want guests", a.Reach)
	}
	// A host listener is still judged by the host's networks.
	hostL := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 8080, Exposure: monitor.Network, Namespace: monitor.Namespace{ID: 1, Host: true}}
	if a := (&Policy{Rules: DefaultRules(), Reach: byAddress(host)}).Assess(hostL); a.Reach != reach.LocalNetwork || a.ReachInside != nil {
		t.Errorf("host listener: %q inside %+v", a.Reach, a.ReachInside)
	}
}

func TestLooksLikeUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"0b1c3a6e-3c2f-4a51-9d0e-6f0a1b2c3d4e": true,
		"0B1C3A6E-3C2F-4A51-9D0E-6F0A1B2C3D4E": true,
		"Home":                                 false,
		"0b1c3a6e-3c2f-4a51-9d0e-6f0a1b2c3d4":  false,
		"0b1c3a6e-3c2f-4a51-9d0e_6f0a1b2c3d4e": false,
		"0b1c3a6e-3c2f-4a51-9d0e-6f0a1b2c3d4g": false,
		"":                                     false,
	} {
		if got := LooksLikeUUID(s); got != want {
			t.Errorf("LooksLikeUUID(%q) = %v", s, got)
		}
	}
}

// A forwarder on the host's loopback (a forged one, or `docker run -p
// 127.0.0.1:8080:80`) does not narrow a wildcard listener inside to this
// computer: with ignore_loopback it still alerts, as the guests reach it.
func TestLoopbackForwarderDoesNotHideAnInnerListener(t *testing.T) {
	ns := monitor.Namespace{ID: 4026532177}
	f := monitor.Forward{Via: monitor.ViaDockerProxy, PID: 9, Proto: monitor.TCP, HostAddress: "127.0.0.1", HostPort: 8080, InnerPort: 50000, Namespace: ns.ID}
	l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 50000, Exposure: monitor.Network, Namespace: ns,
		Forwarder: &f, Forwarders: []monitor.Forward{f}}
	p := &Policy{Rules: DefaultRules(), Reach: byAddress(map[string]reach.Result{"127.0.0.1": {Level: reach.ThisComputer}})}
	p.Rules.IgnoreLoopback = true
	a := p.Assess(l)
	if a.Reach != reach.Guests || a.ReachThrough != nil || a.ReachInside == nil || !a.ReachInside.Forwarded {
		t.Errorf("reach %q through %+v inside %+v, want the guests', no forwarder named, forwarded", a.Reach, a.ReachThrough, a.ReachInside)
	}
	if !a.Verdict.Alert || a.Verdict.Ignored {
		t.Errorf("alert %v ignored %v, want an alert: %q", a.Verdict.Alert, a.Verdict.Ignored, a.Verdict.Reasons)
	}
}
