package views

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"portlight/app/handoff"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
)

// TestHomeFirstRun: the home is the welcome the first time only, and the
// welcome's "start at login" switch changes the setting.
func TestHomeFirstRun(t *testing.T) {
	r := newRig(t, nil)
	first := true
	login := false
	r.m.deps.FirstRun = func() bool { f := first; first = false; return f }
	r.m.deps.StartAtLogin = func() bool { return login }
	r.m.deps.SetStartAtLogin = func(on bool) error { login = on; return nil }
	r.m.deps.SettingsDir = "/home/alice/.config/portlight"

	w := r.m.Open(handoff.Request{Kind: handoff.Home})
	if w.Title() != WelcomeTitle {
		t.Fatalf("first home: %q, want the welcome", w.Title())
	}
	wl := r.m.welcome
	for _, want := range []string{"no root", "opens no port", "Settings: /home/alice/.config/portlight"} {
		if !strings.Contains(wl.Text, want) {
			t.Errorf("welcome lacks %q:\n%s", want, wl.Text)
		}
	}
	if wl.Login().Checked {
		t.Error("switch on while start at login is off")
	}
	test.Tap(wl.Login())
	if !login {
		t.Error("the switch did not turn start at login on")
	}
	wl.w.Close()
	if w := r.m.Open(handoff.Request{Kind: handoff.Home}); w.Title() != "Listening ports — Portlight" {
		t.Fatalf("second home: %q, want the listeners window", w.Title())
	}
	if r.m.welcome != nil {
		t.Error("the welcome came back")
	}
}

// TestHomeNotice: the listeners window says there is no tray, names the
// fix, and counts the kept notifications; it says nothing when all is well.
func TestHomeNotice(t *testing.T) {
	r := newRig(t, nil)
	st := handoff.Status{NoTray: true, TrayFix: "On GNOME, install the AppIndicator extension.", Kept: 3, Unread: 2,
		Recent: []handoff.StatusAlert{{Label: "python3 2476/tcp", Port: 2476, Proto: "tcp", Unread: true}}}
	r.m.deps.Status = func() (handoff.Status, error) { return st, nil }
	var paused []policy.Pause
	r.m.deps.SetPause = func(p policy.Pause) error { paused = append(paused, p); return nil }
	l := r.m.OpenListeners()
	n := l.Notice()
	for _, want := range []string{"No tray area", "AppIndicator", "3 notifications were kept"} {
		if !strings.Contains(n, want) {
			t.Errorf("notice lacks %q: %q", want, n)
		}
	}
	if got := l.home.recent.Text; got != "Recent alerts (2 unread)" {
		t.Errorf("recent button %q", got)
	}
	st = handoff.Status{}
	l.apply()
	if l.Notice() != "" || l.home.notice.Visible() {
		t.Errorf("notice %q shown with a tray and nothing kept", l.Notice())
	}
	if got := HomeNotice(handoff.Status{Kept: 1}); !strings.HasPrefix(got, "1 notification was kept") {
		t.Errorf("one kept: %q", got)
	}
}

// TestHomeNetworkLine: the home says which network this computer is on and
// whether it is taken as public, and follows a change of the rules.
func TestHomeNetworkLine(t *testing.T) {
	cafe := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", UUID: "u-cafe", Reach: reach.Everywhere, DefaultRoute: true}
	home := reach.Network{Interface: "eth0", Kind: reach.KindEthernet, Name: "Home", UUID: "u-home", Reach: reach.LocalNetwork}
	vpn := reach.Network{Interface: "wg0", Kind: reach.KindVPN, Name: "Office", Reach: reach.VPN}
	evil := cafe
	evil.Name = "x\x1b[2J\n\u202e" + strings.Repeat("y", 300)
	for _, tc := range []struct {
		name  string
		nets  []reach.Network
		rules policy.NetworkRules
		want  string
	}{
		{"no default route", []reach.Network{home, vpn}, policy.NetworkRules{}, ""},
		{"not decided", []reach.Network{vpn, cafe, home}, policy.NetworkRules{}, "On Wi-Fi 'Café'"},
		{"marked public", []reach.Network{cafe}, policy.NetworkRules{Public: []string{"Café"}}, "On Wi-Fi 'Café' (public)"},
		{"unknown is public", []reach.Network{cafe}, policy.NetworkRules{UnknownIsPublic: true}, "On Wi-Fi 'Café' (counts as public)"},
		{"trusted", []reach.Network{cafe}, policy.NetworkRules{UnknownIsPublic: true, Trusted: []string{"u-cafe"}}, "On Wi-Fi 'Café' (trusted)"},
		{"hostile name", []reach.Network{evil}, policy.NetworkRules{}, "On Wi-Fi 'x " + strings.Repeat("y", 22) + "…'"},
	} {
		if got := NetworkLine(tc.nets, tc.rules); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}

	r := newRig(t, nil)
	rules := policy.NetworkRules{}
	r.m.deps.Networks = func() ([]reach.Network, policy.NetworkRules) { return []reach.Network{home, cafe}, rules }
	l := r.m.OpenListeners()
	if got := l.home.network.Text; got != "On Wi-Fi 'Café'" || !slices.Contains(texts(l.w), got) {
		t.Errorf("home shows %q; window %q", got, texts(l.w))
	}
	rules.Public = []string{"u-cafe"}
	l.apply()
	if got := l.home.network.Text; got != "On Wi-Fi 'Café' (public)" {
		t.Errorf("after marking the café public: %q", got)
	}
}
