package resident

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/provenance"
)

var cafe = reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", UUID: "u-cafe", Reach: reach.LocalNetwork}

func TestListenerLabel(t *testing.T) {
	for _, tc := range []struct {
		port  uint16
		proto string
		owner string
		where string
		alert bool
		want  string
	}{
		{2476, "tcp", "python3", "Wi-Fi 'Café'", false, "2476/tcp  python3  · Wi-Fi 'Café'"},
		{53, "udp", "systemd-resolve", "this computer", false, "53/udp  systemd-resolve  · this computer"},
		{5173, "tcp", "node", "everywhere", true, "⚠ 5173/tcp  node  · everywhere"},
	} {
		if got := ListenerLabel(tc.port, tc.proto, tc.owner, tc.where, tc.alert); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestOwnerLabelHostile(t *testing.T) {
	exe := func(path, name string) policy.Assessment {
		return policy.Assessment{Listener: monitor.Listener{Process: monitor.Process{Exe: path, Name: name}}}
	}
	for _, tc := range []struct {
		name string
		a    policy.Assessment
		want string
	}{
		{"plain", exe("/usr/bin/python3.11", "python3"), "python3.11"},
		{"the file, not the process name", exe("/tmp/.x/miner", "sshd"), "miner"},
		{"application name", policy.Assessment{Listener: exe("/usr/bin/syncthing", "syncthing").Listener,
			Origin: provenance.Origin{AppName: "Syncthing"}}, "Syncthing"},
		{"newline and ansi", exe("/tmp/a\nb\x1b[31mc", ""), "a bc"},
		{"bidi override", exe("/tmp/x\u202Eyz", ""), "xyz"},
		{"process name only", exe("", "python3"), "unknown"},
		{"empty", policy.Assessment{}, "unknown"},
		{"hidden", policy.Assessment{Listener: monitor.Listener{OwnerHidden: true, UID: 1001}}, "uid 1001 (hidden)"},
		{"10 KB", exe("/tmp/"+strings.Repeat("x", 10240), ""), strings.Repeat("x", maxLabelName) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ownerLabel(tc.a); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRecentLabel(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.Local)
	a := Alert{
		Assessment: policy.Assessment{Listener: lst("0.0.0.0", 5173, 9, "node")},
		Time:       time.Date(2026, 11, 25, 14, 2, 0, 0, time.Local),
		Open:       true,
	}
	if got, want := RecentLabel(a, now), "● 14:02  5173/tcp  node"; got != want {
		t.Errorf("unread: %q, want %q", got, want)
	}
	a.Read, a.Open = true, false
	if got, want := RecentLabel(a, now), "14:02  5173/tcp  node  (closed)"; got != want {
		t.Errorf("read, closed: %q, want %q", got, want)
	}
	a.Time = a.Time.Add(-48 * time.Hour)
	if got, want := RecentLabel(a, now), "Nov 23 14:02  5173/tcp  node  (closed)"; got != want {
		t.Errorf("old: %q, want %q", got, want)
	}
}

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		l, a, u int
		want    string
	}{
		{0, 0, 0, "0 listeners"},
		{1, 0, 0, "1 listener"},
		{12, 2, 1, "12 listeners · 2 alerting · 1 unread alert"},
		{3, 0, 4, "3 listeners · 4 unread alerts"},
	} {
		if got := Counts(tc.l, tc.a, tc.u); got != tc.want {
			t.Errorf("Counts(%d,%d,%d) = %q, want %q", tc.l, tc.a, tc.u, got, tc.want)
		}
	}
}

func TestPauseLabel(t *testing.T) {
	until := time.Date(2026, 1, 1, 16, 30, 0, 0, time.Local)
	if got := PauseLabel(time.Time{}, false); got != "Pause alerts" {
		t.Error(got)
	}
	if got := PauseLabel(until, false); got != "Alerts paused until 16:30" {
		t.Error(got)
	}
	if got := PauseLabel(until, true); got != "Alerts paused" {
		t.Error(got)
	}
}

func TestBuildMenu(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.Local)
	py4, py6 := lst("0.0.0.0", 5173, 10, "python3"), lst("::1", 5173, 10, "python3")
	py6.Exposure = monitor.Loopback
	sshd := lst("0.0.0.0", 22, 1, "sshd")
	local := lst("127.0.0.1", 631, 2, "cupsd")
	local.Exposure = monitor.Loopback
	g := NewAlertLog(10)
	g.Add(judged(py4, true), now)
	g.Add(judged(py6, true), now)
	s := State{
		Now:       now,
		Listeners: []policy.Assessment{judged(sshd, false), judged(local, false), judged(py4, true), judged(py6, true)},
		Alerts:    g.Recent(), Unread: g.Unread(),
	}
	s.Listeners[0].Reach, s.Listeners[0].ReachNetworks = reach.LocalNetwork, []reach.Network{cafe}
	m := BuildMenu(s)
	wantLabels := []string{"⚠ 5173/tcp  python3  · everywhere", "22/tcp  sshd  · Wi-Fi 'Café'", "631/tcp  cupsd  · this computer"}
	if len(m.Listeners) != len(wantLabels) {
		t.Fatalf("entries %+v", m.Listeners)
	}
	for i, w := range wantLabels {
		if m.Listeners[i].Label != w {
			t.Errorf("entry %d %q, want %q", i, m.Listeners[i].Label, w)
		}
	}
	if m.Header != "Portlight — 3 listeners · 1 alerting · 1 unread alert" {
		t.Errorf("header %q", m.Header)
	}
	if !m.Unread || len(m.Recent) != 1 || m.Recent[0].Port != 5173 || !strings.HasPrefix(m.Recent[0].Label, unreadMark) {
		t.Errorf("recent %+v unread %v", m.Recent, m.Unread)
	}
	if m.Paused || m.Pause != "Pause alerts" {
		t.Errorf("pause %q %v", m.Pause, m.Paused)
	}

	// Paused for an hour, with a scan error.
	s.PausedUntil = now.Add(time.Hour)
	s.ScanErr = errors.New("netlink: \x1b[31mboom\n")
	m = BuildMenu(s)
	if !m.Paused || m.Pause != "Alerts paused until 16:00" || !strings.Contains(m.Tooltip, "paused") {
		t.Errorf("paused: %q %q", m.Pause, m.Tooltip)
	}
	if m.NoScan != "Scan failed: netlink: boom" {
		t.Errorf("scan error line %q", m.NoScan)
	}
	// A settings problem shows in the tooltip.
	s.Problem = "line 3: bad \x1b[31mvalue"
	if m = BuildMenu(s); !strings.Contains(m.Tooltip, "Settings: line 3: bad value") {
		t.Errorf("tooltip %q", m.Tooltip)
	}
	// A pause that has expired shows as not paused.
	s.PausedUntil = now.Add(-time.Minute)
	if BuildMenu(s).Paused {
		t.Error("expired pause still shown")
	}
}

func TestBuildMenuBounded(t *testing.T) {
	var ls []policy.Assessment
	for i := range 100 {
		ls = append(ls, judged(lst("0.0.0.0", uint16(10000+i), int32(i+1), strings.Repeat("\u202En", 500)), false))
	}
	m := BuildMenu(State{Now: time.Now(), Listeners: ls})
	if len(m.Listeners) != maxMenuEntries || m.More != 100-maxMenuEntries {
		t.Fatalf("%d entries, %d more", len(m.Listeners), m.More)
	}
	for _, e := range m.Listeners {
		if strings.ContainsRune(e.Label, '\u202E') || utf8.RuneCountInString(e.Label) > 80 {
			t.Fatalf("label not clean or unbounded: %q", e.Label)
		}
	}
	lines := listenerLines(m)
	if last := lines[len(lines)-1]; last.act.kind != actListeners || last.label != "60 more…" {
		t.Errorf("last line %+v", last)
	}
}

func TestBuildMenuNetworkAlertsFirst(t *testing.T) {
	local := lst("127.0.0.1", 1000, 1, "a")
	local.Exposure = monitor.Loopback
	network := lst("0.0.0.0", 9000, 2, "b")
	m := BuildMenu(State{Now: time.Now(), Listeners: []policy.Assessment{judged(local, true), judged(network, true)}})
	if len(m.Listeners) != 2 || m.Listeners[0].Port != 9000 {
		t.Fatalf("order %+v, want the network-reachable alert first", m.Listeners)
	}
}

func TestBuildMenuRecentPressingFirst(t *testing.T) {
	g := NewAlertLog(50)
	net := lst("0.0.0.0", 47002, 1, "server")
	g.Add(judged(net, true), t0)
	for i := range 20 {
		l := lst("127.0.0.1", uint16(20000+i), int32(100+i), "churn")
		l.Exposure = monitor.Loopback
		g.Add(judged(l, true), t0.Add(time.Second))
	}
	m := BuildMenu(State{Now: t0, Alerts: g.Recent(), Unread: g.Unread()})
	if len(m.Recent) != maxRecent || m.Recent[0].Port != 47002 {
		t.Fatalf("recent %+v: the unread network alert is not first", m.Recent)
	}
	if m.Recent[1].Port != 20019 {
		t.Errorf("then newest first: got %d", m.Recent[1].Port)
	}
}

// The tray says how many alerting listeners a network taken as public
// reaches, once the user marked it public or said unknown networks are;
// a trusted network, a listener that does not alert, or one on loopback
// says nothing.
func TestBuildMenuPublicNetwork(t *testing.T) {
	home := reach.Network{Interface: "eth0", Kind: reach.KindEthernet, Name: "Home", UUID: "u-home", Reach: reach.LocalNetwork}
	on := func(l monitor.Listener, alert bool, nets ...reach.Network) policy.Assessment {
		a := judged(l, alert)
		a.Reach, a.ReachNetworks = reach.LocalNetwork, nets
		if len(nets) == 0 {
			a.Reach, a.ReachNetworks = reach.ThisComputer, []reach.Network{}
		}
		return a
	}
	ls := []policy.Assessment{
		on(lst("0.0.0.0", 5173, 10, "python3"), true, cafe, home),
		on(lst("::", 5173, 10, "python3"), true, cafe, home), // the same entry
		on(lst("0.0.0.0", 8080, 11, "node"), true, cafe),
		on(lst("0.0.0.0", 22, 1, "sshd"), false, cafe),
		on(lst("127.0.0.1", 631, 2, "cupsd"), true),
		on(lst("0.0.0.0", 9000, 12, "server"), true, home),
	}
	for _, tc := range []struct {
		name  string
		rules policy.NetworkRules
		want  string
	}{
		{"no rules", policy.NetworkRules{}, ""},
		{"café marked public by name", policy.NetworkRules{Public: []string{"Café"}}, "2 listeners reachable from Wi-Fi 'Café'"},
		{"home marked public by uuid", policy.NetworkRules{Public: []string{"u-home"}}, "2 listeners reachable from Ethernet 'Home'"},
		{"unknown is public, home trusted", policy.NetworkRules{UnknownIsPublic: true, Trusted: []string{"u-home"}}, "2 listeners reachable from Wi-Fi 'Café'"},
		{"both trusted", policy.NetworkRules{UnknownIsPublic: true, Trusted: []string{"u-home", "u-cafe"}}, ""},
		// Trust is by the saved profile's UUID: a network merely named like a
		// trusted one (any access point can call itself "Café") is not trusted.
		{"trusted by name only", policy.NetworkRules{UnknownIsPublic: true, Trusted: []string{"Home", "Café"}}, "2 listeners reachable from Wi-Fi 'Café'"},
	} {
		m := BuildMenu(State{Now: t0, Listeners: ls, Networks: tc.rules})
		if m.Public != tc.want {
			t.Errorf("%s: public line %q, want %q", tc.name, m.Public, tc.want)
			continue
		}
		if tc.want != "" && (m.Header != "Portlight — "+alertMark+tc.want || !strings.Contains(m.Tooltip, "5 listeners · 4 alerting") || !strings.Contains(m.Tooltip, tc.want)) {
			t.Errorf("%s: header %q tooltip %q", tc.name, m.Header, m.Tooltip)
		}
		if tc.want == "" && !strings.HasPrefix(m.Header, "Portlight — 5 listeners") {
			t.Errorf("%s: header %q", tc.name, m.Header)
		}
	}
	// A network's name is chosen by whoever runs it: the line is cleaned
	// and bounded.
	evil := cafe
	evil.Name = "x\x1b[2J\n\u202e" + strings.Repeat("y", 500)
	m := BuildMenu(State{Now: t0, Listeners: []policy.Assessment{on(lst("0.0.0.0", 1, 1, "a"), true, evil)},
		Networks: policy.NetworkRules{UnknownIsPublic: true}})
	if strings.ContainsAny(m.Header, "\x1b\n\u202e") || utf8.RuneCountInString(m.Header) > 80 {
		t.Errorf("hostile network name in the header: %q", m.Header)
	}
}
