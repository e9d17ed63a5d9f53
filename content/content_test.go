package content

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
)

func TestWindowTitle(t *testing.T) {
	if got, want := WindowTitle(2476, "tcp"), "Port 2476/tcp — Portlight"; got != want {
		t.Errorf("WindowTitle = %q, want %q", got, want)
	}
}

func TestParsePortSpec(t *testing.T) {
	tests := []struct {
		in    string
		port  uint16
		proto string
		ok    bool
	}{
		{"5173", 5173, "tcp", true},
		{"5173/tcp", 5173, "tcp", true},
		{" 53 / UDP ", 53, "udp", true},
		{"65535/udp", 65535, "udp", true},
		{"0", 0, "tcp", true},
		{"65536", 0, "", false},
		{"-1", 0, "", false},
		{"2905/SCTP", 2905, "sctp", true},
		{"22/dccp", 0, "", false},
		{"", 0, "", false},
		{"/tcp", 0, "", false},
		{"ssh", 0, "", false},
		{"22/tcp/x", 0, "", false},
	}
	for _, tt := range tests {
		port, proto, err := ParsePortSpec(tt.in)
		if (err == nil) != tt.ok || port != tt.port || proto != tt.proto {
			t.Errorf("ParsePortSpec(%q) = %d, %q, %v; want %d, %q, ok=%v", tt.in, port, proto, err, tt.port, tt.proto, tt.ok)
		}
	}
}

func FuzzParsePortSpec(f *testing.F) {
	for _, s := range []string{"5173", "53/udp", " 22 / TCP ", "x/y", "\u202e22"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		port, proto, err := ParsePortSpec(s)
		if err != nil {
			if !utf8.ValidString(err.Error()) || strings.ContainsAny(err.Error(), "\n\x1b\u202e") {
				t.Errorf("unsafe error text %q", err.Error())
			}
			return
		}
		if proto != "tcp" && proto != "udp" {
			t.Errorf("proto %q", proto)
		}
		if p2, pr2, err := ParsePortSpec(PortProto(port, proto)); err != nil || p2 != port || pr2 != proto {
			t.Errorf("round trip of %q failed", s)
		}
	})
}

func TestWhatLines(t *testing.T) {
	ssh := portinfo.Service{Name: "ssh", Description: "The Secure Shell (SSH) Protocol", Ports: "22", Reference: "[RFC4251]"}
	tests := []struct {
		name string
		info portinfo.Info
		want []string
	}{
		{"assigned", portinfo.Info{Port: 22, Proto: "tcp", Status: portinfo.Assigned, Services: []portinfo.Service{ssh}, RegistryDate: "2025-01-02"},
			[]string{"IANA assigns 22/tcp to “ssh” (IANA registry of 2025-01-02).", "“ssh”: The Secure Shell (SSH) Protocol; reference [RFC4251]."}},
		{"unassigned", portinfo.Info{Port: 5173, Proto: "tcp", Status: portinfo.Unassigned, RegistryDate: "2025-01-02"},
			[]string{"IANA has assigned nothing to 5173/tcp (IANA registry of 2025-01-02). No standard service is expected here."}},
		{"reserved", portinfo.Info{Port: 4173, Proto: "tcp", Status: portinfo.Reserved},
			[]string{"IANA marks 4173/tcp as Reserved: it is assigned to no service (IANA registry, date unknown)."}},
		{"dynamic", portinfo.Info{Port: 50000, Proto: "udp", Status: portinfo.StatusDynamic, RegistryDate: "2025-01-02"},
			[]string{"IANA assigns nothing in 49152–65535: these ports are left for temporary and private use, so no service owns 50000/udp (IANA registry of 2025-01-02)."}},
		{"unnamed row says more", portinfo.Info{Port: 24, Proto: "tcp", Status: portinfo.Unassigned, RegistryDate: "2026-08-17",
			Unnamed: []portinfo.Service{{Description: "Unassigned"}, {Description: "any private mail system\nsecond line"}}},
			[]string{"IANA has assigned nothing to 24/tcp (IANA registry of 2026-08-17). No standard service is expected here. Its only entry there reads “any private mail system”."}},
		{"unnamed row says nothing more", portinfo.Info{Port: 7, Proto: "udp", Status: portinfo.Unassigned, Unnamed: []portinfo.Service{{Description: "Unassigned"}}},
			[]string{"IANA has assigned nothing to 7/udp (IANA registry, date unknown). No standard service is expected here."}},
		{"unauthorized use", portinfo.Info{Port: 31337, Proto: "tcp", Status: portinfo.Assigned, Services: []portinfo.Service{{Name: "x", UnauthorizedUse: "Back Orifice"}}},
			[]string{"IANA assigns 31337/tcp to “x” (IANA registry, date unknown).", "IANA notes unauthorized use reported: Back Orifice."}},
	}
	for _, tt := range tests {
		got := WhatLines(tt.info)
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: WhatLines =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
}

func TestRangeText(t *testing.T) {
	for port, prefix := range map[uint16]string{0: "0–1023", 1023: "0–1023", 1024: "1024–49151", 49151: "1024–49151", 49152: "49152–65535", 65535: "49152–65535"} {
		if got := RangeText(port); !strings.HasPrefix(got, prefix) {
			t.Errorf("RangeText(%d) = %q, want prefix %q", port, got, prefix)
		}
	}
}

func TestUseLines(t *testing.T) {
	attack := "MITRE ATT&CK® v18.1 (2025-11-13), reported use"
	uses := []portinfo.Unofficial{
		{Use: "MITRE ATT&CK v18.1: port 1177 has been used by njRAT (malware S0385). njRAT has used port 1177 for HTTP C2 communications.[1]", Source: attack, Kind: portinfo.KindAttack, URL: "https://attack.mitre.org/software/S0385/"},
		{Use: "Vite: preview server default", Source: "Curated dev-server defaults", Kind: portinfo.KindDevServer},
		{Use: "Back Orifice", Source: "Wikipedia, List of TCP and UDP port numbers, rev. 1 (community-reported, as of 2020; CC BY-SA 3.0)", Kind: portinfo.KindCommunity},
		{Use: "Quake", Source: "Wikipedia", Kind: portinfo.KindCommunity},
		{Use: "Emotet has used HTTP over ports such as 20, 22.[1][2]", Source: attack, Kind: portinfo.KindAttack},
	}
	got := UseLines(uses)
	want := []string{
		"Development tool: Vite: preview server default — source: Curated dev-server defaults.",
		"Back Orifice — Wikipedia, List of TCP and UDP port numbers, rev. 1 (community-reported, as of 2020; CC BY-SA 3.0).",
		"Quake — community-reported, as of 2020 — source: Wikipedia.",
		"History: MITRE ATT&CK v18.1: port 1177 has been used by njRAT (malware S0385). njRAT has used port 1177 for HTTP C2 communications. (https://attack.mitre.org/software/S0385/)",
		"History: Emotet has used HTTP over ports such as 20, 22.",
		"Source of this history: MITRE ATT&CK® v18.1 (2025-11-13), reported use. These are records of what malware or attackers have done; they say nothing about the program on this port now.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("UseLines =\n%q\nwant\n%q", got, want)
	}
	if got := UseLines(nil); len(got) != 1 || !strings.Contains(got[0], "no unofficial uses") {
		t.Errorf("UseLines(nil) = %q", got)
	}
}

var start = time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)

func assess(pid int32, addr string, exp monitor.Exposure, alert bool) policy.Assessment {
	a := policy.Assessment{Listener: monitor.Listener{Proto: monitor.TCP, Address: addr, Port: 2476, Exposure: exp, UID: 1000,
		Process: monitor.Process{PID: pid, Name: "python3", Exe: "/usr/bin/python3.11", User: "alice", Cmdline: "python3 -m http.server 2476", StartTime: start}}}
	if alert {
		a.Verdict = policy.Verdict{Alert: true, Reasons: []string{"unassigned port"}}
	}
	return a
}

func TestOwnersGroupAndFocus(t *testing.T) {
	now := []policy.Assessment{
		assess(10, "127.0.0.1", monitor.Loopback, false),
		assess(20, "0.0.0.0", monitor.Network, true),
		assess(20, "::", monitor.Network, true),
	}
	got := Owners(now, 20)
	if len(got) != 2 {
		t.Fatalf("got %d owners, want 2", len(got))
	}
	if got[0].PID != 20 || !got[0].Focus || strings.Join(got[0].Addresses, ",") != "0.0.0.0,::" || got[0].Exposure != monitor.Network || !got[0].Verdict.Alert {
		t.Errorf("focus owner = %+v", got[0])
	}
	if got[1].PID != 10 || got[1].Exposure != monitor.Loopback {
		t.Errorf("second owner = %+v", got[1])
	}
}

func TestOwnerTextIsMadeSafe(t *testing.T) {
	a := assess(7, "0.0.0.0", monitor.Network, false)
	a.Name = "evil\u202egnp.exe\x1b[31m"
	a.Cmdline = "x\ny" + strings.Repeat("a", 1000)
	a.Exe = "/tmp/\x00bad"
	o := Owners([]policy.Assessment{a}, 0)[0]
	if o.Name != "evilgnp.exe" || o.Exe != "/tmp/bad" {
		t.Errorf("name %q exe %q not cleaned", o.Name, o.Exe)
	}
	if n := utf8.RuneCountInString(o.Cmdline); n != MaxCmdline+1 || strings.ContainsRune(o.Cmdline, '\n') {
		t.Errorf("cmdline %d runes (want %d incl. ellipsis), newline kept: %v", n, MaxCmdline+1, strings.ContainsRune(o.Cmdline, '\n'))
	}
}

func TestNowLines(t *testing.T) {
	at := start.Add(12 * time.Minute)
	hidden := policy.Assessment{Listener: monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2476, Exposure: monitor.Network, UID: 0, OwnerHidden: true}}
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{"not scanned", Input{Port: 2476, Proto: "tcp"}, []string{"Looking…"}},
		{"scan error", Input{Port: 2476, Proto: "tcp", Scanned: true, ScanErr: errors.New("netlink: permission denied")},
			[]string{"Could not look at this computer's listening ports: netlink: permission denied"}},
		{"nobody", Input{Port: 2476, Proto: "tcp", Scanned: true}, []string{"Nothing listens on 2476/tcp right now."}},
		{"one process", Input{Port: 2476, Proto: "tcp", Scanned: true, At: at, FocusPID: 20, Now: []policy.Assessment{assess(20, "0.0.0.0", monitor.Network, true)}},
			[]string{
				"python3.11 (pid 20), user alice — the process Portlight alerted about",
				"Program file: /usr/bin/python3.11",
				"Command line: python3 -m http.server 2476",
				"Running since " + start.Local().Format("2006-01-02 15:04") + " (12 minutes ago).",
				"Listens on 0.0.0.0, reachable from the network.",
				"Portlight alerts: unassigned port.",
			}},
		{"hidden owner", Input{Port: 2476, Proto: "tcp", Scanned: true, Now: []policy.Assessment{hidden}},
			[]string{
				"A process of uid 0 listens on 0.0.0.0, reachable from the network. Portlight cannot see which process without more privileges.",
				"To see it, run: sudo ss -tlnp 'sport = :2476'",
			}},
	}
	for _, tt := range tests {
		got := NowLines(tt.in)
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: NowLines =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
}

func TestHiddenOwnerCommandUDP(t *testing.T) {
	if got, want := HiddenOwnerCommand(53, "udp"), "sudo ss -ulnp 'sport = :53'"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAgo(t *testing.T) {
	tests := map[time.Duration]string{
		time.Second: "less than a minute ago", 59 * time.Second: "less than a minute ago", time.Minute: "1 minute ago", 12 * time.Minute: "12 minutes ago",
		3 * time.Hour: "3 hours ago", 47 * time.Hour: "47 hours ago", 5 * 24 * time.Hour: "5 days ago",
	}
	for d, want := range tests {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
	if got := Since(time.Time{}, start); got != "start time unknown" {
		t.Errorf("Since(zero) = %q", got)
	}
}

func TestBeforeLines(t *testing.T) {
	past := []PastOwner{{Process: monitor.Process{PID: 5, Name: "nc", Exe: "/usr/bin/nc"}, FirstSeen: start, LastSeen: start.Add(time.Hour)}}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"no store", Input{}, "History not recorded yet."},
		{"pending", Input{HasHistory: true, PastPending: true}, "Looking…"},
		{"error", Input{HasHistory: true, PastErr: errors.New("db locked")}, "Could not read the history: db locked"},
		{"empty", Input{HasHistory: true}, "The history has no record of a program listening here."},
		{"one", Input{HasHistory: true, Past: past}, "nc (pid 5), /usr/bin/nc: " + start.Local().Format("2006-01-02 15:04") + " to " + start.Add(time.Hour).Local().Format("2006-01-02 15:04") + "."},
		{"from the store", Input{HasHistory: true, Past: []PastOwner{{Process: monitor.Process{Exe: "/usr/bin/node"}, Sessions: 3, Held: 2 * time.Hour, FirstSeen: start, LastSeen: start}}},
			"/usr/bin/node: 3 times, 2 hours in all, " + start.Local().Format("2006-01-02 15:04") + " to " + start.Local().Format("2006-01-02 15:04") + "."},
		{"once, briefly", Input{HasHistory: true, Past: []PastOwner{{Process: monitor.Process{Exe: "/x\u202e"}, Sessions: 1, Held: time.Second, FirstSeen: start, LastSeen: start}}},
			"/x: once, under a minute in all, " + start.Local().Format("2006-01-02 15:04") + " to " + start.Local().Format("2006-01-02 15:04") + "."},
	}
	for _, tt := range tests {
		if got := strings.Join(BeforeLines(tt.in), "\n"); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWhyItMattersIsTwoSentences(t *testing.T) {
	for name, in := range map[string]Input{
		"nobody":   {Scanned: true},
		"network":  {Scanned: true, Now: []policy.Assessment{assess(1, "0.0.0.0", monitor.Network, false)}},
		"loopback": {Scanned: true, Now: []policy.Assessment{assess(1, "127.0.0.1", monitor.Loopback, false)}},
	} {
		got := WhyItMatters(in)
		if n := strings.Count(got, ". "); n != 1 || !strings.HasSuffix(got, ".") {
			t.Errorf("%s: not two sentences: %q", name, got)
		}
	}
	if !strings.Contains(WhyItMatters(Input{Now: []policy.Assessment{assess(1, "0.0.0.0", monitor.Network, false)}}), "network") {
		t.Error("network case does not mention the network")
	}
}

func TestDefaultChecks(t *testing.T) {
	got := DefaultChecks(5173, "tcp")
	oses := map[string]bool{}
	for _, c := range got {
		oses[c.OS] = true
		if c.Title == "" || c.Command == "" {
			t.Errorf("empty check %+v", c)
		}
	}
	if !oses["Linux"] || !oses["macOS"] || !oses["Windows"] || len(oses) != 3 {
		t.Errorf("OS names %v, want Linux, macOS and Windows", oses)
	}
	conv := FromChecks([]portinfo.Check{{OS: "linux", Title: "t", Command: "ss"}, {OS: "plan9", Title: "u", Command: "x"}})
	if conv[0] != (Command{OS: "Linux", Title: "t", Command: "ss"}) || conv[1].OS != "plan9" {
		t.Errorf("FromChecks = %+v", conv)
	}
}

func TestExplainAndReport(t *testing.T) {
	in := Input{Port: 5173, Proto: "tcp", Scanned: true, At: start.Add(time.Minute),
		Info: portinfo.Info{Port: 5173, Proto: "tcp", Status: portinfo.Unassigned, RegistryDate: "2025-01-02"},
		Now:  []policy.Assessment{assess(9, "127.0.0.1", monitor.Loopback, true)}}
	e := Explain(in)
	if e.Title != "Port 5173/tcp — Portlight" {
		t.Errorf("title %q", e.Title)
	}
	if e.Heading != "5173/tcp is unassigned; python3.11 (pid 9) listens on it now." {
		t.Errorf("heading %q", e.Heading)
	}
	var keys []string
	for _, s := range e.Sections {
		keys = append(keys, s.Key)
	}
	if got := strings.Join(keys, ","); got != "worry,why,who,do,what,range,uses,now,before,check,matters" {
		t.Errorf("sections %s", got)
	}
	r := Report(e)
	for _, want := range []string{"Port 5173/tcp — Portlight\n", "\nWhat this port is\n-----------------\n", "IANA has assigned nothing to 5173/tcp",
		"Command line: python3 -m http.server 2476", "History not recorded yet.", "    sudo ss -tlnp 'sport = :5173'\n", "  macOS, ", "Why it matters"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
}

// TestSummary checks the JSON's three paragraphs are the explainer's own
// sections, over real lookups as `portlight explain --json` makes them.
func TestSummary(t *testing.T) {
	for _, pp := range []struct {
		port  uint16
		proto string
		what  []string
	}{
		{5173, "tcp", []string{"IANA has assigned nothing to 5173/tcp (IANA registry of 2026-08-17). No standard service is expected here."}},
		{4444, "tcp", []string{"IANA assigns 4444/tcp to “krb524”, “nv-video”", "“nv-video”: NV Video default",
			"“krb524”: KRB524; assignee B. Clifford Neuman. IANA notes unauthorized use reported: krb524 assigned the port, nv used it without an assignment. “nv-video”"}},
		{24, "tcp", []string{"Its only entry there reads “any private mail system”."}},
		{50000, "udp", []string{"49152–65535", "no service owns 50000/udp"}},
	} {
		in := Input{Port: pp.port, Proto: pp.proto, Info: portinfo.Lookup(pp.port, pp.proto), Scanned: true, At: start,
			Now: []policy.Assessment{assess(9, "0.0.0.0", monitor.Network, false)}}
		got := Explain(in).Summary()
		if n := strings.Count(got.What, "unauthorized use"); n > 1 {
			t.Errorf("%d/%s: IANA's note said %d times: %q", pp.port, pp.proto, n, got.What)
		}
		if got.What != strings.Join(WhatLines(in.Info), " ") || got.Range != RangeText(pp.port) || got.Why != WhyItMatters(in) {
			t.Errorf("%d/%s: summary is not the sections:\n%+v", pp.port, pp.proto, got)
		}
		for _, w := range pp.what {
			if !strings.Contains(got.What, w) {
				t.Errorf("%d/%s: what %q lacks %q", pp.port, pp.proto, got.What, w)
			}
		}
		if !strings.Contains(got.Why, "network") {
			t.Errorf("%d/%s: why %q does not follow the network listener", pp.port, pp.proto, got.Why)
		}
		if all := strings.ToLower(got.What + got.Range + got.Why); strings.Contains(all, "malicious") {
			t.Errorf("%d/%s: text calls something malicious: %+v", pp.port, pp.proto, got)
		}
	}
	if (Explanation{}).Summary() != (Summary{}) {
		t.Error("an empty explanation has a summary")
	}
}

func TestHeading(t *testing.T) {
	ssh := portinfo.Info{Port: 22, Proto: "tcp", Status: portinfo.Assigned, Services: []portinfo.Service{{Name: "ssh"}}}
	tests := []struct {
		in   Input
		want string
	}{
		{Input{Port: 22, Proto: "tcp", Info: ssh}, "22/tcp is assigned to “ssh”."},
		{Input{Port: 22, Proto: "tcp", Info: ssh, Scanned: true}, "22/tcp is assigned to “ssh”; nothing listens on it now."},
		{Input{Port: 4173, Proto: "tcp", Info: portinfo.Info{Status: portinfo.Reserved}}, "4173/tcp is reserved by IANA, assigned to no service."},
		{Input{Port: 50000, Proto: "tcp", Info: portinfo.Info{Status: portinfo.StatusDynamic}}, "50000/tcp is a dynamic (private) port."},
	}
	for _, tt := range tests {
		if got := Heading(tt.in); got != tt.want {
			t.Errorf("Heading = %q, want %q", got, tt.want)
		}
	}
}

func TestActionTexts(t *testing.T) {
	o := Owners([]policy.Assessment{assess(42, "0.0.0.0", monitor.Network, true)}, 0)[0]
	want := "End python3.11 (pid 42)?\n\nProgram: /usr/bin/python3.11\n\nPortlight asks it to quit (SIGTERM); unsaved work in it may be lost."
	if got := EndProcessQuestion(o, "linux"); got != want {
		t.Errorf("linux question %q", got)
	}
	if got := EndProcessQuestion(Owner{Process: monitor.Process{PID: 3}}, "windows"); !strings.Contains(got, "process 3 (pid 3)") || !strings.Contains(got, "path not readable") || !strings.Contains(got, "at once") {
		t.Errorf("windows question %q", got)
	}
	if got := AllowedText(o, 2476, "tcp", false); got != "Allowed /usr/bin/python3.11 on 2476/tcp: Portlight will not alert about it there." {
		t.Errorf("allowed port %q", got)
	}
	if got := AllowedText(o, 2476, "tcp", true); got != "Allowed /usr/bin/python3.11 on every port: Portlight will not alert about it." {
		t.Errorf("allowed all %q", got)
	}
	if got := EndedText(o); got != "Asked python3.11 (pid 42) to end." {
		t.Errorf("ended %q", got)
	}
}

// TestReportHasNoForeignControls: a program named with escape sequences
// and separators takes over a port; the owner-change reason the policy
// builds, the owner lines and the copied report carry none of them.
func TestReportHasNoForeignControls(t *testing.T) {
	a := assess(9, "0.0.0.0", monitor.Network, true)
	a.Exe = "/tmp/\x1b]52;c;cm0gLXJm\x07evil\u2028x"
	a.Cmdline = "evil \x1b[2J\u2029--flag"
	a.Verdict.Reasons = []string{policy.OwnerChangeReason(a.Listener, "/usr/bin/\x1b[31mnode\u202e")}
	e := Explain(Input{Port: 2476, Proto: "tcp", Scanned: true, At: start.Add(time.Minute),
		Info: portinfo.Info{Port: 2476, Proto: "tcp", Status: portinfo.Unassigned}, Now: []policy.Assessment{a}})
	report := Report(e)
	if strings.ContainsAny(report, "\x1b\x07\u2028\u2029\u202e") {
		t.Errorf("report carries control or separator characters:\n%q", report)
	}
	if !strings.Contains(report, "2476/tcp is usually /usr/bin/node, now /tmp/evilx") {
		t.Errorf("report lacks the cleaned owner change:\n%s", report)
	}
}
