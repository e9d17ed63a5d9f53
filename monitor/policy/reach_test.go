package policy

import (
	"encoding/json"
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
