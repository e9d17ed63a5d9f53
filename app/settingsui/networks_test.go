package settingsui

import (
	"slices"
	"strings"
	"testing"

	"portlight/monitor/policy"
	"portlight/monitor/reach"
)

// testNets are the networks the test windows are on: a café's Wi-Fi with
// the default route, a home Ethernet, a Wi-Fi whose name is hostile, a
// VPN, and a container bridge NetworkManager does not name.
var testNets = []reach.Network{
	{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", UUID: "u-cafe", Type: "802-11-wireless", Reach: reach.Everywhere, DefaultRoute: true},
	{Interface: "eth0", Kind: reach.KindEthernet, Name: "Home", UUID: "u-home", Type: "802-3-ethernet", Reach: reach.LocalNetwork},
	{Interface: "wlan1", Kind: reach.KindWiFi, Name: hostile, UUID: "u-evil", Reach: reach.LocalNetwork},
	{Interface: "wg0", Kind: reach.KindVPN, Name: "Office", UUID: "u-office", Type: "wireguard", Reach: reach.VPN},
	{Interface: "docker0", Kind: reach.KindBridge, Reach: reach.Guests},
}

// rowsText renders rows as "name|kind|choice|note" lines.
func rowsText(rows []netRow) string {
	var b []string
	for _, r := range rows {
		b = append(b, r.Name+"|"+r.Kind+"|"+r.Choice+"|"+r.Note)
	}
	return strings.Join(b, "\n")
}

func TestNetworkRows(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nets  []reach.Network
		rules policy.NetworkRules
		want  string
	}{
		{"nothing decided", testNets[:2], policy.NetworkRules{},
			"Wi-Fi 'Café'|Wi-Fi · wlan0|Not decided|\nEthernet 'Home'|Ethernet · eth0|Not decided|"},
		{"by name and by uuid", testNets[:2], policy.NetworkRules{Public: []string{"Café"}, Trusted: []string{"u-home"}},
			"Wi-Fi 'Café'|Wi-Fi · wlan0|Public|\nEthernet 'Home'|Ethernet · eth0|Trusted|"},
		{"trusted by name is not trusted, as in the policy", testNets[1:2], policy.NetworkRules{Trusted: []string{"Home"}},
			"Ethernet 'Home'|Ethernet · eth0|Not decided|"},
		{"public wins, as in the policy", testNets[:1], policy.NetworkRules{Public: []string{"u-cafe"}, Trusted: []string{"Café"}},
			"Wi-Fi 'Café'|Wi-Fi · wlan0|Public|"},
		{"unknown is public", testNets[1:], policy.NetworkRules{UnknownIsPublic: true},
			"Ethernet 'Home'|Ethernet · eth0|Not decided|" + noteCountsPublic + "\n" +
				"Wi-Fi 'a b<b>x</b>gnp'|Wi-Fi · wlan1|Not decided|" + noteCountsPublic + "\n" +
				"VPN 'Office' (wg0)|VPN · wg0|Not decided|\n" +
				"the virtual machines' and containers' network docker0|Bridge (VMs and containers) · docker0|Not decided|" + noteUnnamed},
		{"remembered networks not on now", testNets[:1], policy.NetworkRules{Public: []string{"Airport", "u-cafe"}, Trusted: []string{"Airport", "u-home"}},
			"Wi-Fi 'Café'|Wi-Fi · wlan0|Public|\n'Airport'|not connected now|Public|\n'u-home'|not connected now|Trusted|"},
		{"no networks", nil, policy.NetworkRules{}, ""},
	} {
		if got := rowsText(networkRows(tc.nets, tc.rules)); got != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
	// An unnamed network cannot be marked; a hostile name is shown cleaned.
	rows := networkRows(testNets, policy.NetworkRules{})
	if rows[4].Markable || !rows[0].Markable {
		t.Errorf("markable: %+v", rows)
	}
	for _, r := range rows {
		if raw(r.Name) || raw(r.Kind) {
			t.Errorf("row shows %q %q", r.Name, r.Kind)
		}
	}
	// One connection on two interfaces (a bridge and its port) is one row.
	twice := []reach.Network{testNets[1], {Interface: "br0", Kind: reach.KindEthernet, Name: "Home", UUID: "u-home", Reach: reach.LocalNetwork}}
	if n := len(networkRows(twice, policy.NetworkRules{})); n != 1 {
		t.Errorf("%d rows for one connection", n)
	}
}

func TestSetChoice(t *testing.T) {
	rows := networkRows(testNets, policy.NetworkRules{})
	cafe, home, evil := rows[0], rows[1], rows[2]
	var nr policy.NetworkRules
	// Public by name, trusted by UUID.
	setChoice(&nr, cafe, choicePublic)
	setChoice(&nr, home, choiceTrusted)
	if !slices.Equal(nr.Public, []string{"Café"}) || !slices.Equal(nr.Trusted, []string{"u-home"}) {
		t.Fatalf("rules %+v", nr)
	}
	// Changing the choice moves every word for the network.
	nr.Trusted = append(nr.Trusted, "Café", "Other")
	setChoice(&nr, cafe, choiceTrusted)
	if nr.Public != nil || !slices.Equal(nr.Trusted, []string{"u-home", "Other", "u-cafe"}) {
		t.Fatalf("after trusting the café: %+v", nr)
	}
	setChoice(&nr, cafe, choiceUndecided)
	setChoice(&nr, home, choiceUndecided)
	if nr.Public != nil || !slices.Equal(nr.Trusted, []string{"Other"}) {
		t.Fatalf("after undeciding: %+v", nr)
	}
	// A hostile name is stored as it is, so the policy matches it; only
	// its display is cleaned.
	setChoice(&nr, evil, choicePublic)
	if !slices.Equal(nr.Public, []string{hostile}) {
		t.Fatalf("hostile name stored as %q", nr.Public)
	}
	if _, marked, ok := nr.PublicNetwork([]reach.Network{testNets[2]}); !ok || !marked {
		t.Errorf("the policy does not take the marked network as public")
	}
	// A remembered network is undone by its word.
	rem := networkRows(nil, nr)
	if len(rem) != 2 || rem[0].Name != "'Other'" || raw(rem[1].Name) {
		t.Fatalf("remembered rows %q", rowsText(rem))
	}
	setChoice(&nr, rem[1], choiceUndecided)
	if nr.Public != nil || len(nr.Trusted) != 1 {
		t.Errorf("remembered network still public: %+v", nr)
	}
}
