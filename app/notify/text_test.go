package notify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
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
			title:   "python3 is listening on unassigned port 2476/tcp",
			bodyHas: []string{"Reachable from the network", "/usr/bin/python3.11", "pid 4242", "unassigned port"},
		},
		{
			name:    "reserved, loopback",
			a:       assessment("nc", "/usr/bin/nc.openbsd", 1023, monitor.Loopback, portinfo.Reserved),
			title:   "nc is listening on reserved port 1023/tcp",
			bodyHas: []string{"This computer only"},
		},
		{
			name:      "hostile name and path",
			a:         assessment("<b>x</b>\n\u202Eevil\x1b[31m", "/tmp/<a href='http://e'>&\n", 5173, monitor.Network, portinfo.Unassigned),
			title:     "<b>x</b> evil is listening on unassigned port 5173/tcp",
			bodyHas:   []string{"/tmp/<a href='http://e'>&"},
			bodyLacks: []string{"\u202E", "\x1b"},
		},
		{
			name:  "10 KB name bounded",
			a:     assessment(strings.Repeat("n", 10240), strings.Repeat("/p", 5120), 5173, monitor.Network, portinfo.Unassigned),
			title: strings.Repeat("n", MaxName) + "… is listening on unassigned port 5173/tcp",
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
			title: "An unknown process is listening on unassigned port 5173/tcp",
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
	if want := "A process of user 1001 is listening on unassigned port 5173/tcp"; m.Title != want {
		t.Errorf("title %q, want %q", m.Title, want)
	}
	if !strings.Contains(m.Body, "Owner hidden") {
		t.Errorf("body %q", m.Body)
	}
}
