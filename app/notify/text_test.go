package notify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/provenance"
)

func TestMarkup(t *testing.T) {
	for in, want := range map[string]string{
		"<b>bold</b>":              "&lt;b&gt;bold&lt;/b&gt;",
		`<a href="http://x">y</a>`: `&lt;a href="http://x"&gt;y&lt;/a&gt;`,
		"a & b":                    "a &amp; b",
		"&amp;":                    "&amp;amp;",
		"<img src=x>":              "&lt;img src=x&gt;",
	} {
		if got := Markup(in); got != want {
			t.Errorf("Markup(%q) = %q, want %q", in, got, want)
		}
	}
}

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

func TestCompose(t *testing.T) {
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
			title: "A program is listening on unassigned port 5173/tcp",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Compose(tc.a, "k")
			if m.Title != tc.title {
				t.Errorf("title %q, want %q", m.Title, tc.title)
			}
			if utf8.RuneCountInString(m.Title) > MaxTitle || utf8.RuneCountInString(m.Body) > MaxBody {
				t.Errorf("unbounded: title %d, body %d runes", utf8.RuneCountInString(m.Title), utf8.RuneCountInString(m.Body))
			}
			for _, s := range tc.bodyHas {
				if !strings.Contains(m.Body, s) {
					t.Errorf("body %q lacks %q", m.Body, s)
				}
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(m.Body, s) || strings.Contains(m.Title, s) {
					t.Errorf("message contains %q", s)
				}
			}
			if n := strings.Count(m.Body, "\n"); n != 1 {
				t.Errorf("body of %d lines, want 2: %q", n+1, m.Body)
			}
			if m.Key != "k" || m.Port != tc.a.Port || m.Proto != "tcp" {
				t.Errorf("identity %+v", m)
			}
			// Escaped for markup, no tag survives.
			if e := Markup(m.Body); strings.ContainsAny(e, "<>") {
				t.Errorf("escaped body still has a tag: %q", e)
			}
		})
	}
}

func TestOwnerHidden(t *testing.T) {
	a := assessment("", "", 5173, monitor.Network, portinfo.Unassigned)
	a.OwnerHidden, a.UID, a.PID = true, 1001, 0
	m := Compose(a, "k")
	if want := "A hidden program of user 1001 is listening on unassigned port 5173/tcp"; m.Title != want {
		t.Errorf("title %q, want %q", m.Title, want)
	}
	if !strings.Contains(m.Body, "Who: a program of user 1001 that Portlight cannot see") {
		t.Errorf("body %q", m.Body)
	}
}
