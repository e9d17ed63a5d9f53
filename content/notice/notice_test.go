package notice

import (
	"strings"
	"testing"
	"unicode/utf8"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
	"portlight/provenance"
)

func assessment(name, exe string, port uint16, exp monitor.Exposure, st portinfo.Status) policy.Assessment {
	l := monitor.Listener{
		Proto: monitor.TCP, Family: monitor.IPv4, Address: "0.0.0.0", Port: port,
		Exposure: exp, Process: monitor.Process{PID: 4242, Name: name, Exe: exe},
	}
	return policy.Assessment{
		Listener: l,
		PortInfo: portinfo.Info{Port: port, Proto: "tcp", Status: st},
		Verdict:  policy.Verdict{Alert: true, Reasons: []string{string(st) + " port"}},
	}
}

// alerting is an alert on an unassigned port of the program /usr/bin/name.
func alerting(port uint16, name string, exp monitor.Exposure) policy.Assessment {
	return assessment(name, "/usr/bin/"+name, port, exp, portinfo.Unassigned)
}

// bounded fails when t's title or body is over its bound, or its title is
// more than one line.
func bounded(t *testing.T, x Text) {
	t.Helper()
	if utf8.RuneCountInString(x.Title) > MaxTitle || utf8.RuneCountInString(x.Body) > MaxBody {
		t.Errorf("unbounded: title %d, body %d runes", utf8.RuneCountInString(x.Title), utf8.RuneCountInString(x.Body))
	}
	if strings.ContainsAny(x.Title, "\n\r\u202E\x1b") {
		t.Errorf("title %q is not one clean line", x.Title)
	}
}

func TestAlert(t *testing.T) {
	for _, tc := range []struct {
		name      string
		a         policy.Assessment
		title     string
		bodyHas   []string
		bodyLacks []string
	}{
		{
			name:    "unassigned, network",
			a:       assessment("python3", "/usr/bin/python3.11", 2476, monitor.Network, portinfo.Unassigned),
			title:   "python3.11 is listening on unassigned port 2476/tcp",
			bodyHas: []string{"Why: unassigned port; reachable from the network\nWho: /usr/bin/python3.11 (pid 4242)"},
		},
		{
			name:    "reserved, loopback",
			a:       assessment("nc", "/usr/bin/nc.openbsd", 1023, monitor.Loopback, portinfo.Reserved),
			title:   "nc.openbsd is listening on reserved port 1023/tcp",
			bodyHas: []string{"Why: reserved port; this computer only"},
		},
		{
			name:  "assigned: the port alone",
			a:     assessment("x", "/opt/x", 22, monitor.Network, portinfo.Assigned),
			title: "x is listening on port 22/tcp",
		},
		{
			name:      "the file names it, not the process name",
			a:         assessment("sshd", "/tmp/.x/miner", 2222, monitor.Network, portinfo.Unassigned),
			title:     "miner is listening on unassigned port 2222/tcp",
			bodyLacks: []string{"sshd"},
		},
		{
			name: "application and package",
			a: func() policy.Assessment {
				a := assessment("syncthing", "/usr/bin/syncthing", 22000, monitor.Network, portinfo.Unassigned)
				a.Origin = provenance.Origin{AppName: "Syncthing", Manager: "dpkg", Package: "syncthing", Version: "1.19",
					Unit: "syncthing.service", UnitScope: "user"}
				a.Verdict.Reasons = []string{"shipped by package syncthing 1.19 (dpkg)", "unassigned port", "reachable from the network"}
				return a
			}(),
			title: "Syncthing is listening on unassigned port 22000/tcp",
			bodyHas: []string{"Why: unassigned port; reachable from the network\n" +
				"Who: /usr/bin/syncthing (pid 4242), shipped by package syncthing 1.19 (dpkg), started by your session's service manager as syncthing.service"},
		},
		{
			name:      "hostile name and path",
			a:         assessment("<b>x</b>\n\u202Eevil\x1b[31m", "/tmp/<i>evil\u202Efdp.exe\x1b[31m&\n", 5173, monitor.Network, portinfo.Unassigned),
			title:     "<i>evilfdp.exe& is listening on unassigned port 5173/tcp",
			bodyHas:   []string{"/tmp/<i>evilfdp.exe&"},
			bodyLacks: []string{"\u202E", "\x1b", "<b>"},
		},
		{
			name:  "10 KB name bounded",
			a:     assessment(strings.Repeat("n", 10240), "/tmp/"+strings.Repeat("n", 10240), 5173, monitor.Network, portinfo.Unassigned),
			title: strings.Repeat("n", MaxName-1) + "… is listening on unassigned port 5173/tcp",
		},
		{
			name: "a reason naming a path keeps its end",
			a: func() policy.Assessment {
				exe := "/home/ann/.local/share/toolbox/versions/2026.11/bin/toolbox-server"
				a := assessment("toolbox-server", exe, 5173, monitor.Network, portinfo.Unassigned)
				a.Verdict.Reasons = []string{"changed: " + exe + " no longer matches the SHA-256 pinned on 2026-11-20"}
				return a
			}(),
			title:   "toolbox-server is listening on unassigned port 5173/tcp",
			bodyHas: []string{"pinned on 2026-11-20"},
		},
		{
			name:  "empty name",
			a:     assessment("", "", 5173, monitor.Network, portinfo.Unassigned),
			title: "An unknown program is listening on unassigned port 5173/tcp",
		},
		{
			name: "hidden owner",
			a: func() policy.Assessment {
				a := assessment("", "", 5173, monitor.Network, portinfo.Unassigned)
				a.OwnerHidden, a.UID, a.PID = true, 1001, 0
				return a
			}(),
			title:   "A hidden program of user 1001 is listening on unassigned port 5173/tcp",
			bodyHas: []string{"Who: a program of user 1001 that Portlight cannot see"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := Alert(tc.a)
			if x.Title != tc.title {
				t.Errorf("title %q, want %q", x.Title, tc.title)
			}
			bounded(t, x)
			for _, s := range tc.bodyHas {
				if !strings.Contains(x.Body, s) {
					t.Errorf("body %q lacks %q", x.Body, s)
				}
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(x.Body, s) || strings.Contains(x.Title, s) {
					t.Errorf("text contains %q", s)
				}
			}
			if n := strings.Count(x.Body, "\n"); n != 1 {
				t.Errorf("body of %d lines, want 2: %q", n+1, x.Body)
			}
		})
	}
}

// TestOf words every kind of notice the gate raises.
func TestOf(t *testing.T) {
	one := alerting(2476, "python3", monitor.Network)
	local := alerting(5173, "node", monitor.Loopback)
	one6 := one
	one6.Address, one6.Family = "::", monitor.IPv6
	hostile := alerting(4444, strings.Repeat("<b>\u202E", 3000), monitor.Network)
	for _, tc := range []struct {
		name      string
		n         policy.Notice
		title     string
		body      string // the whole body, when set
		bodyHas   []string
		bodyLacks []string
	}{
		{
			name:    "one alert",
			n:       policy.Notice{Kind: policy.NoticeAlert, Count: 1, Assessments: []policy.Assessment{one}},
			title:   "python3 is listening on unassigned port 2476/tcp",
			bodyHas: []string{"Why: unassigned port; reachable from the network", "Who: /usr/bin/python3 (pid 4242)"},
		},
		{
			name:  "one port on IPv4 and IPv6 is one listener",
			n:     policy.Notice{Kind: policy.NoticeAlert, Count: 1, Assessments: []policy.Assessment{one, one6}},
			title: "python3 is listening on unassigned port 2476/tcp",
		},
		{
			name:    "several ports",
			n:       policy.Notice{Kind: policy.NoticeAlert, Count: 7, Assessments: []policy.Assessment{one, local, one, local, alerting(1, "python3", monitor.Loopback), alerting(2, "python3", monitor.Loopback)}},
			title:   "python3 is listening on 7 new ports",
			bodyHas: []string{"Ports: 2476/tcp, 5173/tcp, 1/tcp, 2/tcp and 3 more.", "Reachable from the network", "Who: /usr/bin/python3 (pid 4242)", hintRecent},
		},
		{
			name:    "burst",
			n:       policy.Notice{Kind: policy.NoticeBurst, Count: 200, Assessments: []policy.Assessment{local}},
			title:   "node is listening on 200 more ports",
			bodyHas: []string{"Ports: 5173/tcp and 199 more.", "This computer only"},
		},
		{
			name:    "changed",
			n:       policy.Notice{Kind: policy.NoticeChanged, Count: 1, Assessments: []policy.Assessment{one}},
			title:   "python3 on 2476/tcp changed since it was allowed",
			bodyHas: []string{"Why: unassigned port", "Who: /usr/bin/python3"},
		},
		{
			name:    "changed, several ports",
			n:       policy.Notice{Kind: policy.NoticeChanged, Count: 2, Assessments: []policy.Assessment{one, local}},
			title:   "python3 changed since it was allowed (2476/tcp, 5173/tcp)",
			bodyHas: []string{"Ports: 2476/tcp, 5173/tcp."},
		},
		{
			name:      "summary",
			n:         policy.Notice{Kind: policy.NoticeSummary, Count: 8, Programs: 8, Assessments: []policy.Assessment{one, local}},
			title:     "8 more alerting ports from 8 programs",
			body:      "Ports: 2476/tcp, 5173/tcp and 6 more.\n" + hintRecent,
			bodyLacks: []string{"Who:"},
		},
		{
			name:  "summary without listeners",
			n:     policy.Notice{Kind: policy.NoticeSummary, Count: 1, Programs: 1},
			title: "1 more alerting port from 1 program",
		},
		{
			name:  "baseline",
			n:     policy.Notice{Kind: policy.NoticeBaseline, Count: 12, Programs: 5, Alerting: 2},
			title: "Portlight recorded 12 listening ports of 5 programs as the baseline; 2 would alert",
			body:  "What listened when Portlight first started is taken as known; new listeners will be reported. " + hintListening,
		},
		{
			name:  "baseline, nothing alerting",
			n:     policy.Notice{Kind: policy.NoticeBaseline, Count: 1, Programs: 1},
			title: "Portlight recorded 1 listening port of 1 program as the baseline",
		},
		{
			name:  "no listener: the identity's file names it",
			n:     policy.Notice{Kind: policy.NoticeBurst, Count: 3, Identity: "/opt/a\u202Eb/flood"},
			title: "flood is listening on 3 more ports",
		},
		{
			name:  "no listener, hidden identity",
			n:     policy.Notice{Kind: policy.NoticeChanged, Count: 2, Identity: "uid 1001"},
			title: "An unknown program changed since it was allowed (2 ports)",
		},
		{
			name:      "hostile name keeps the port",
			n:         policy.Notice{Kind: policy.NoticeBurst, Count: 3, Assessments: []policy.Assessment{hostile}},
			bodyHas:   []string{"4444/tcp"},
			bodyLacks: []string{"\u202E"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := Of(tc.n)
			if tc.title != "" && x.Title != tc.title {
				t.Errorf("title %q, want %q", x.Title, tc.title)
			}
			if tc.body != "" && x.Body != tc.body {
				t.Errorf("body %q, want %q", x.Body, tc.body)
			}
			bounded(t, x)
			for _, s := range tc.bodyHas {
				if !strings.Contains(x.Body, s) {
					t.Errorf("body %q lacks %q", x.Body, s)
				}
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(x.Body, s) {
					t.Errorf("body contains %q", s)
				}
			}
		})
	}
}

// TestTitleLeadsWithTheFile: a title names the program by its application
// or file, never by the process name it chose.
func TestTitleLeadsWithTheFile(t *testing.T) {
	a := func(exe, comm, app string) policy.Assessment {
		as := assessment(comm, exe, 2476, monitor.Network, portinfo.Unassigned)
		as.Origin.AppName = app
		return as
	}
	hidden := a("", "", "")
	hidden.OwnerHidden, hidden.UID = true, 1000
	for _, tt := range []struct {
		a    policy.Assessment
		want string
	}{
		{a("/tmp/x", "sshd", ""), "x is listening on unassigned port 2476/tcp"},
		{a("/usr/bin/python3.12", "python3", ""), "python3.12 is listening on unassigned port 2476/tcp"},
		{a("/usr/share/spotify/spotify", "spotify", "Spotify"), "Spotify is listening on unassigned port 2476/tcp"},
		{a("", "sshd", ""), "An unknown program is listening on unassigned port 2476/tcp"},
		{hidden, "A hidden program of user 1000 is listening on unassigned port 2476/tcp"},
		{a("/tmp/a\x1b[31mb", "a\u202eb", ""), "ab is listening on unassigned port 2476/tcp"},
	} {
		if got := Of(policy.Notice{Kind: policy.NoticeAlert, Count: 1, Assessments: []policy.Assessment{tt.a}}).Title; got != tt.want {
			t.Errorf("title %q, want %q", got, tt.want)
		}
	}
}

// A hidden forwarder of a published port (root's docker-proxy seen by a
// user) is named by its container, still within MaxName runes.
func TestOwnerNameHiddenForwarderBounded(t *testing.T) {
	a := assessment("", "", 8080, monitor.Network, portinfo.Unassigned)
	a.PID, a.OwnerHidden = 0, true
	a.Published = &monitor.Published{Engine: "docker", Container: strings.Repeat("c", 60)}
	got := OwnerName(a)
	if n := utf8.RuneCountInString(got); n > MaxName || !strings.HasPrefix(got, "Docker container c") {
		t.Errorf("OwnerName = %q (%d runes), want the container named within %d runes", got, n, MaxName)
	}
}

func TestReachable(t *testing.T) {
	local := alerting(5173, "node", monitor.Loopback)
	for _, tt := range []struct {
		n    policy.Notice
		want bool
	}{
		{policy.Notice{Assessments: []policy.Assessment{local}}, false},
		{policy.Notice{Assessments: []policy.Assessment{local, alerting(1, "x", monitor.Network)}}, true},
		{policy.Notice{Severity: policy.SeverityHigh, Assessments: []policy.Assessment{local}}, true},
		{policy.Notice{Kind: policy.NoticeBaseline}, false},
	} {
		if got := Reachable(tt.n); got != tt.want {
			t.Errorf("Reachable(%+v) = %v", tt.n, got)
		}
	}
}

// A listener's reach is worded as the verdict words it: the network's name,
// the forwarder of a container's listener, or its container alone.
func TestReachWording(t *testing.T) {
	cafe := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", Reach: reach.LocalNetwork}
	web := &reach.Inside{Namespace: "net:[4026532177]", Container: "web", Engine: "podman"}
	onWiFi := alerting(2476, "python3", monitor.Network)
	onWiFi.Reach, onWiFi.ReachNetworks = reach.LocalNetwork, []reach.Network{cafe}
	forwarded := alerting(2476, "python3", monitor.Network)
	forwarded.Reach, forwarded.ReachNetworks, forwarded.ReachInside = reach.LocalNetwork, []reach.Network{cafe}, web
	forwarded.ReachThrough = &reach.Through{Via: "pasta", PID: 812, Address: "0.0.0.0", Port: 8080}
	inside := alerting(2477, "python3", monitor.Loopback)
	inside.Reach, inside.ReachInside = reach.ThisComputer, web
	for _, tc := range []struct {
		name string
		x    Text
		has  string
	}{
		{"Wi-Fi", Alert(onWiFi), "Why: unassigned port; reachable from Wi-Fi 'Café' right now\n"},
		{"through pasta", Alert(forwarded), "reachable from Wi-Fi 'Café' through pasta on port 8080 right now\n"},
		{"inside its container", Alert(inside), "only programs inside its container 'web'\n"},
		{"several: the widest", Of(policy.Notice{Kind: policy.NoticeAlert, Count: 2, Assessments: []policy.Assessment{inside, forwarded}}),
			"\nReachable from Wi-Fi 'Café' through pasta on port 8080 right now.\n"},
	} {
		if !strings.Contains(tc.x.Body, tc.has) {
			t.Errorf("%s: body %q lacks %q", tc.name, tc.x.Body, tc.has)
		}
	}
	if !Reachable(policy.Notice{Assessments: []policy.Assessment{forwarded}}) || Reachable(policy.Notice{Assessments: []policy.Assessment{inside}}) {
		t.Error("Reachable: a Wi-Fi's forward is reachable, a container's own loopback is not")
	}
}
