package policy

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/monitor/portinfo"
)

// fakeInfo returns port facts for the test ports: 2000–29999 unassigned
// (except those below), 1023 reserved, 443 https with ATT&CK entries, 4444 assigned with ATT&CK
// entries, 8080 http-alt with ATT&CK entries, 8000 with a dev-server default
// and ATT&CK entries, anything >= 49152 dynamic.
func fakeInfo(port uint16, proto string) portinfo.Info {
	info := portinfo.Info{Port: port, Proto: proto, Range: portinfo.RangeOf(port), Status: portinfo.Assigned}
	attack := portinfo.Unofficial{Use: "someone has used this port for C2", Kind: portinfo.KindAttack}
	switch {
	case port == 1023:
		info.Status = portinfo.Reserved
	case port == 443:
		info.Services = []portinfo.Service{{Name: "https"}}
		info.Unofficial = []portinfo.Unofficial{attack, attack}
	case port == 4444:
		info.Services = []portinfo.Service{{Name: "krb524"}}
		info.Unofficial = []portinfo.Unofficial{attack, {Use: "Metasploit", Kind: portinfo.KindCommunity}}
	case port == 8080:
		info.Services = []portinfo.Service{{Name: "http-alt"}}
		info.Unofficial = []portinfo.Unofficial{attack}
	case port == 8000:
		info.Unofficial = []portinfo.Unofficial{attack, {Use: "Django", Kind: portinfo.KindDevServer}}
	case port >= 2000 && port < 30000:
		info.Status = portinfo.Unassigned
	case port >= 49152:
		info.Status = portinfo.StatusDynamic
	}
	return info
}

const (
	syncthing = "/usr/bin/syncthing"
	python    = "/usr/bin/python3.12"
	goodSum   = "1111111111111111111111111111111111111111111111111111111111111111"
	badSum    = "2222222222222222222222222222222222222222222222222222222222222222"
)

// lis builds a listener.
func lis(exe string, port uint16, proto monitor.Proto, exp monitor.Exposure) monitor.Listener {
	addr := "0.0.0.0"
	if exp == monitor.Loopback {
		addr = "127.0.0.1"
	}
	return monitor.Listener{Proto: proto, Family: monitor.IPv4, Address: addr, Port: port, Exposure: exp,
		UID: 1000, Process: monitor.Process{PID: 4242, Exe: exe, Name: commOf(exe), Cmdline: exe}}
}

// commOf is the process name the kernel gives a program run by its path:
// its file name, cut to 15 bytes.
func commOf(exe string) string {
	if exe == "" {
		return ""
	}
	base, _ := strings.CutSuffix(exe[strings.LastIndex(exe, "/")+1:], " (deleted)")
	return base[:min(len(base), 15)]
}

// fakeHash hashes by path: the syncthing file hashes to goodSum, anything
// else to badSum, and /unreadable fails.
func fakeHash(path string) (string, error) {
	switch path {
	case syncthing:
		return goodSum, nil
	case "/unreadable":
		return "", errors.New("permission denied")
	}
	return badSum, nil
}

func TestJudge(t *testing.T) {
	defaults := DefaultRules()
	strict := DefaultRules()
	strict.Triggers.NotOnAllowList = true
	none := Rules{IgnoreEphemeralUDP: true}
	quietLoop := DefaultRules()
	quietLoop.IgnoreLoopback = true
	keepUDP := DefaultRules()
	keepUDP.IgnoreEphemeralUDP = false
	allow := func(es ...AllowEntry) Rules { r := DefaultRules(); r.Allow = es; return r }
	withScript := func(l monitor.Listener, script string, argv ...string) monitor.Listener {
		l.Script, l.Argv, l.Cmdline = script, argv, strings.Join(argv, " ")
		return l
	}
	hidden := lis("", 2476, monitor.TCP, monitor.Network)
	hidden.OwnerHidden = true
	deleted := lis(syncthing+" (deleted)", 2476, monitor.TCP, monitor.Network)

	tests := []struct {
		name     string
		rules    Rules
		l        monitor.Listener
		alert    bool
		severity Severity
		triggers []Trigger
		allowed  bool
		ignored  bool
		reasons  []string // each must appear among the verdict's reasons
	}{
		{"unassigned from network", defaults, lis("/opt/a", 2476, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false,
			[]string{"unassigned port", "reachable from the network"}},
		{"reserved", defaults, lis("/opt/a", 1023, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerReserved}, false, false, []string{"reserved port"}},
		{"unassigned trigger off", none, lis("/opt/a", 2476, monitor.TCP, monitor.Network),
			false, "", nil, false, false, []string{"unassigned port"}},
		{"loopback lowers severity", defaults, lis("/opt/a", 2476, monitor.TCP, monitor.Loopback),
			true, SeverityLow, []Trigger{TriggerUnassigned}, false, false,
			[]string{"this computer only", "loopback only: lower severity"}},
		{"loopback ignored by setting", quietLoop, lis("/opt/a", 2476, monitor.TCP, monitor.Loopback),
			false, "", []Trigger{TriggerUnassigned}, false, true, []string{"loopback only: ignored by settings"}},
		{"assigned port is quiet", defaults, lis("/usr/sbin/sshd", 22, monitor.TCP, monitor.Network),
			false, "", nil, false, false, []string{"assigned port"}},
		{"malware port 4444", defaults, lis("/opt/a", 4444, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerMalwarePort}, false, false,
			[]string{"assigned port (krb524)", "historically reported malware port (1 MITRE ATT&CK report)"}},
		{"malware trigger off", none, lis("/opt/a", 4444, monitor.TCP, monitor.Network),
			false, "", nil, false, false, nil},
		{"ATT&CK on 443 is not a malware port", defaults, lis("/usr/sbin/nginx", 443, monitor.TCP, monitor.Network),
			false, "", nil, false, false, []string{"assigned port (https)"}},
		{"ATT&CK on 8080 is not a malware port", defaults, lis("/opt/a", 8080, monitor.TCP, monitor.Network),
			false, "", nil, false, false, nil},
		{"ATT&CK on a dev-server port is not", defaults, lis("/opt/a", 8000, monitor.TCP, monitor.Network),
			false, "", nil, false, false, nil},
		{"dynamic from network", defaults, lis("/opt/a", 50000, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerDynamic}, false, false,
			[]string{"dynamic port", "reachable from the network"}},
		{"dynamic on loopback is quiet", defaults, lis("/opt/a", 50000, monitor.TCP, monitor.Loopback),
			false, "", nil, false, false, []string{"dynamic port"}},
		{"dynamic trigger off", none, lis("/opt/a", 50000, monitor.TCP, monitor.Network),
			false, "", nil, false, false, nil},
		{"strict: not on allow-list", strict, lis("/usr/sbin/sshd", 22, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerNotAllowed}, false, false, []string{"not on the allow-list"}},
		{"strict: allowed is quiet", func() Rules { r := strict; r.Allow = []AllowEntry{{Path: "/usr/sbin/sshd"}}; return r }(),
			lis("/usr/sbin/sshd", 22, monitor.TCP, monitor.Network), false, "", nil, true, false,
			[]string{"allowed: /usr/sbin/sshd on any port"}},
		{"ephemeral UDP client ignored", defaults, lis("/opt/a", 40000, monitor.UDP, monitor.Network),
			false, "", nil, false, true, []string{"UDP port in the ephemeral range 32768–60999: a client waiting for replies, not a service"}},
		{"ephemeral UDP kept by setting", keepUDP, lis("/opt/a", 40000, monitor.UDP, monitor.Network),
			false, "", nil, false, false, nil},
		{"ephemeral range is UDP only", defaults, lis("/opt/a", 50000, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerDynamic}, false, false, nil},
		{"UDP outside the ephemeral range", defaults, lis("/opt/a", 2476, monitor.UDP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false, nil},

		// Allow-list: identity, scope, pins, arguments.
		{"allowed any port", allow(AllowEntry{Path: syncthing}), lis(syncthing, 2476, monitor.TCP, monitor.Network),
			false, "", nil, true, false, []string{"unassigned port", "allowed: /usr/bin/syncthing on any port"}},
		{"copy at another path alerts", allow(AllowEntry{Path: syncthing}), lis("/opt/syncthing", 2476, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false, nil},
		{"same process name, other path alerts", allow(AllowEntry{Path: syncthing}),
			func() monitor.Listener {
				l := lis("/tmp/x", 2476, monitor.TCP, monitor.Network)
				l.Name = "syncthing"
				return l
			}(),
			true, SeverityHigh, nil, false, false, nil},
		{"listed port covered", allow(AllowEntry{Path: syncthing, Ports: []uint16{2476, 22000}}), lis(syncthing, 2476, monitor.TCP, monitor.Network),
			false, "", nil, true, false, []string{"allowed: /usr/bin/syncthing on ports 2476, 22000"}},
		{"port outside the scope", allow(AllowEntry{Path: syncthing, Ports: []uint16{22000}}), lis(syncthing, 2476, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false,
			[]string{"allow-list entry for /usr/bin/syncthing covers port 22000 only"}},
		{"proto in scope", allow(AllowEntry{Path: syncthing, Proto: monitor.UDP}), lis(syncthing, 2476, monitor.UDP, monitor.Network),
			false, "", nil, true, false, []string{"allowed: /usr/bin/syncthing on any udp port"}},
		{"proto outside the scope", allow(AllowEntry{Path: syncthing, Proto: monitor.UDP}), lis(syncthing, 2476, monitor.TCP, monitor.Network),
			true, SeverityHigh, nil, false, false, []string{"allow-list entry for /usr/bin/syncthing covers any udp port only"}},
		{"second entry covers", allow(AllowEntry{Path: syncthing, Ports: []uint16{1}}, AllowEntry{Path: syncthing, Ports: []uint16{2476}}),
			lis(syncthing, 2476, monitor.TCP, monitor.Network), false, "", nil, true, false, nil},
		{"pin matches", allow(AllowEntry{Path: syncthing, SHA256: goodSum}), lis(syncthing, 2476, monitor.TCP, monitor.Network),
			false, "", nil, true, false, []string{"allowed: /usr/bin/syncthing on any port (pinned)"}},
		{"pinned binary replaced", allow(AllowEntry{Path: syncthing, SHA256: badSum, Added: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}),
			lis(syncthing, 22, monitor.TCP, monitor.Loopback), true, SeverityHigh, []Trigger{TriggerChanged}, false, false,
			[]string{"changed: /usr/bin/syncthing no longer matches the SHA-256 pinned on 2026-11-01"}},
		{"pinned, running image deleted", allow(AllowEntry{Path: syncthing, SHA256: goodSum}), deleted,
			true, SeverityHigh, []Trigger{TriggerExeDeleted, TriggerChanged}, false, false, nil},
		{"unpinned, running image deleted: a path entry does not apply", allow(AllowEntry{Path: syncthing}), deleted,
			true, SeverityHigh, []Trigger{TriggerExeDeleted, TriggerUnassigned}, false, false,
			[]string{"its file /usr/bin/syncthing was deleted on disk after it started"}},
		{"pin cannot be verified", allow(AllowEntry{Path: "/unreadable", SHA256: goodSum}), lis("/unreadable", 2476, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false,
			[]string{"cannot verify the pinned SHA-256 of /unreadable: permission denied"}},
		{"owner hidden", allow(AllowEntry{Path: syncthing}), hidden, true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false,
			[]string{"owner's executable not visible: the allow-list cannot apply"}},
		{"interpreter script matches", allow(AllowEntry{Path: python, Script: "/srv/app/server.py"}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "/srv/app/server.py", "python3", "server.py", "--port", "2476"),
			false, "", nil, true, false, []string{"allowed: /usr/bin/python3.12 on any port running /srv/app/server.py"}},
		{"interpreter other script alerts", allow(AllowEntry{Path: python, Script: "/srv/app/server.py"}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "/srv/other/server.py", "python3", "/srv/other/server.py"),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, false,
			[]string{"allow-list entry for /usr/bin/python3.12 allows the script /srv/app/server.py only"}},
		{"old args glob matches the resolved script", allow(AllowEntry{Path: python, Args: "/srv/app/*.py"}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "/srv/app/server.py", "python3", "server.py"),
			false, "", nil, true, false, nil},
		{"old args glob is not matched against the flat command line", allow(AllowEntry{Path: python, Args: "/srv/app/*.py"}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "/home/u/evil.py", "python3", "/home/u/evil.py", "/srv/app/x.py"),
			true, SeverityHigh, nil, false, false, []string{`allow-list entry for /usr/bin/python3.12 needs a script matching "/srv/app/*.py"`}},
		{"old exact command line migrates to its script", allow(AllowEntry{Path: python, Args: "python3 /srv/app/server.py --port 8000"}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "/srv/app/server.py", "python3", "/srv/app/server.py", "--port", "9000"),
			false, "", nil, true, false, nil},
		{"a leading * glob allows nothing", allow(AllowEntry{Path: python, Args: "*/srv/app/server.py*"}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "/srv/app/server.py", "python3", "/srv/app/server.py"),
			true, SeverityHigh, nil, false, false, nil},
		{"interpreter code on the command line matches by argv", allow(AllowEntry{Path: python, Argv: []string{"-m", "http.server", "2476"}}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "", "python3", "-m", "http.server", "2476"),
			false, "", nil, true, false, nil},
		{"interpreter argv differs", allow(AllowEntry{Path: python, Argv: []string{"-m", "http.server", "2476"}}),
			withScript(lis(python, 2476, monitor.TCP, monitor.Network), "", "python3", "-m", "http.server", "2476", "--bind", "0.0.0.0"),
			true, SeverityHigh, nil, false, false, nil},
		{"changed wins over loopback ignore", func() Rules { r := quietLoop; r.Allow = []AllowEntry{{Path: "/opt/a", SHA256: goodSum}}; return r }(),
			lis("/opt/a", 2476, monitor.TCP, monitor.Loopback), true, SeverityHigh, []Trigger{TriggerChanged}, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Policy{Rules: tt.rules, Ephemeral: PortRange{32768, 60999}, Lookup: fakeInfo, Hash: fakeHash}
			a := p.Assess(tt.l)
			v := a.Verdict
			if v.Alert != tt.alert || v.Severity != tt.severity || v.Allowed != tt.allowed || v.Ignored != tt.ignored {
				t.Errorf("got alert=%v severity=%q allowed=%v ignored=%v, want %v %q %v %v; reasons %q",
					v.Alert, v.Severity, v.Allowed, v.Ignored, tt.alert, tt.severity, tt.allowed, tt.ignored, v.Reasons)
			}
			if tt.triggers != nil && !slices.Equal(v.Triggers, tt.triggers) {
				t.Errorf("triggers %v, want %v", v.Triggers, tt.triggers)
			}
			if len(v.Reasons) == 0 {
				t.Errorf("no reasons")
			}
			for _, r := range tt.reasons {
				if !slices.Contains(v.Reasons, r) {
					t.Errorf("reason %q missing from %q", r, v.Reasons)
				}
			}
			if a.PortInfo.Port != tt.l.Port {
				t.Errorf("port info for %d, want %d", a.PortInfo.Port, tt.l.Port)
			}
		})
	}
}

func TestPolicyWithoutHasherDoesNotTrustPins(t *testing.T) {
	p := &Policy{Rules: DefaultRules(), Lookup: fakeInfo}
	p.Rules.Allow = []AllowEntry{{Path: syncthing, SHA256: goodSum}}
	v := p.Assess(lis(syncthing, 2476, monitor.TCP, monitor.Network)).Verdict
	if !v.Alert || v.Allowed || !slices.Contains(v.Reasons, "cannot verify the pinned SHA-256 of /usr/bin/syncthing") {
		t.Fatalf("pinned entry without a hasher: %+v", v)
	}
}

func TestDefaultAssessStillWorks(t *testing.T) {
	a := Assess(lis("/opt/a", 2476, monitor.TCP, monitor.Network))
	if a.PortInfo.Port != 2476 || len(a.Verdict.Reasons) == 0 {
		t.Fatalf("Assess: %+v", a)
	}
	if a.PortInfo.Status == portinfo.Unassigned && !a.Verdict.Alert {
		t.Fatalf("an unassigned port from the network must alert by default: %+v", a.Verdict)
	}
}

func TestMatchArgs(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "anything at all", true},
		{"", "", true},
		{"", "x", false},
		{"python3 /srv/app.py", "python3 /srv/app.py", true},
		{"python3 /srv/app.py", "python3 /srv/app.py --evil", false},
		{"*/srv/app.py*", "python3 /srv/app.py --port 1", true},
		{"*/srv/app.py*", "python3 /tmp/srv/app.pyc", true}, // a glob is literal about what it says
		{"*/srv/app.py", "python3 /srv/app.py.bak", false},
		{"node ?.js", "node a.js", true},
		{"node ?.js", "node ab.js", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"ünï*", "ünïcode", true},
	}
	for _, tt := range tests {
		if got := MatchArgs(tt.pat, tt.s); got != tt.want {
			t.Errorf("MatchArgs(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestIsInterpreter(t *testing.T) {
	for _, p := range []string{"/usr/bin/python3", "/usr/bin/python3.12", "/usr/bin/node", "/usr/lib/jvm/bin/java",
		"/bin/bash", "/bin/sh", "/usr/bin/perl5.36", "/usr/bin/ruby3.2", `C:\Python312\python.exe`, "/usr/bin/php8.2"} {
		if !IsInterpreter(p) {
			t.Errorf("IsInterpreter(%q) = false", p)
		}
	}
	for _, p := range []string{"/usr/bin/syncthing", "/usr/sbin/sshd", "/usr/bin/nodered-x", "/usr/bin/shellcheck", "/opt/pythonista-server"} {
		if IsInterpreter(p) {
			t.Errorf("IsInterpreter(%q) = true", p)
		}
	}
}

func TestAllowEntryValidate(t *testing.T) {
	good := AllowEntry{Path: "/usr/bin/x", Ports: []uint16{1}, Proto: monitor.TCP, SHA256: goodSum}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid entry: %v", err)
	}
	for _, e := range []AllowEntry{
		{Path: ""}, {Path: "relative/x"}, {Path: "/x", Proto: "icmp"}, {Path: "/x", SHA256: "abc"},
		{Path: "/x", SHA256: strings.ToUpper(goodSum[:63]) + "Z"}, {Path: "/x", Ports: []uint16{0}},
	} {
		if err := e.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", e)
		}
	}
}

func TestParsePortRange(t *testing.T) {
	r, err := ParsePortRange("32768\t60999\n")
	if err != nil || r != (PortRange{32768, 60999}) {
		t.Fatalf("ParsePortRange = %v, %v", r, err)
	}
	for _, bad := range []string{"", "1", "70000 80000", "5 4", "0 10", "a b"} {
		if _, err := ParsePortRange(bad); err == nil {
			t.Errorf("ParsePortRange(%q) = nil error", bad)
		}
	}
	if sys := SystemEphemeralRange(); sys.Lo == 0 || sys.Hi < sys.Lo {
		t.Fatalf("SystemEphemeralRange = %v", sys)
	}
}

func TestEntryFor(t *testing.T) {
	now := time.Date(2026, 11, 25, 21, 0, 0, 500, time.UTC)
	e, err := EntryFor(lis(syncthing+" (deleted)", 2476, monitor.TCP, monitor.Network), []uint16{2476}, now)
	if err != nil || e.Path != syncthing || !slices.Equal(e.Ports, []uint16{2476}) || e.Args != "" || !e.Added.Equal(now.Truncate(time.Second)) {
		t.Fatalf("EntryFor program: %+v, %v", e, err)
	}
	py := lis(python, 8000, monitor.TCP, monitor.Network)
	py.Cmdline = "python3 /srv/app.py --port 8000"
	e, err = EntryFor(py, nil, now)
	if err != nil || !slices.Equal(e.Argv, []string{"/srv/app.py", "--port", "8000"}) || e.Script != "" {
		t.Fatalf("EntryFor interpreter, script unresolved: %+v, %v", e, err)
	}
	withScript := py
	withScript.Script, withScript.Argv = "/srv/app.py", []string{"python3", "app.py", "--port", "8000"}
	if e, err := EntryFor(withScript, nil, now); err != nil || e.Script != "/srv/app.py" || e.Argv != nil {
		t.Fatalf("EntryFor interpreter with its script: %+v, %v", e, err)
	}
	// The entry it builds allows the listener it was built from, and only it.
	p := &Policy{Rules: DefaultRules(), Lookup: fakeInfo}
	p.Rules.Allow = []AllowEntry{e}
	if v := p.Assess(py).Verdict; !v.Allowed {
		t.Fatalf("entry from a listener does not allow it: %+v", v)
	}
	py.Cmdline = "python3 /tmp/other.py"
	if v := p.Assess(py).Verdict; v.Allowed {
		t.Fatalf("entry for one script allows another: %+v", v)
	}
	py.Cmdline = ""
	if _, err := EntryFor(py, nil, now); err == nil {
		t.Fatal("EntryFor an interpreter without a command line succeeded")
	}
	if _, err := EntryFor(lis("", 1, monitor.TCP, monitor.Network), nil, now); err == nil {
		t.Fatal("EntryFor without an executable succeeded")
	}
	if got := p.AssessAll(nil); got == nil || len(got) != 0 {
		t.Fatalf("AssessAll(nil) = %#v", got)
	}
}

// TestChangedPinLeadsItsReasons: a pinned program in a temporary folder
// whose file changed fires the place signal too, but the broken pin is what
// the user must read first (a notification shows its first reasons).
func TestChangedPinLeadsItsReasons(t *testing.T) {
	p := &Policy{Rules: DefaultRules(), Lookup: fakeInfo, Hash: fakeHash,
		Places: Places{Home: "/home/ann", Stat: func(string) (fs.FileInfo, error) { return nil, fs.ErrNotExist }}}
	p.Rules.Allow = []AllowEntry{{Path: "/tmp/x/app", SHA256: goodSum}} // the file now hashes to badSum
	v := p.Assess(lis("/tmp/x/app", 2476, monitor.TCP, monitor.Network)).Verdict
	if !v.Alert || !v.Changed() || len(v.Reasons) < 2 || !strings.HasPrefix(v.Reasons[0], "changed: ") {
		t.Fatalf("changed pin: %+v, want an alert led by its changed reason", v)
	}
	if !slices.Contains(v.Triggers, TriggerExeWritable) {
		t.Errorf("triggers %v lack the place signal", v.Triggers)
	}
}
