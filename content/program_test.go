package content

import (
	"slices"
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/monitor/knownapps"
	"portlight/monitor/policy"
	"portlight/provenance"
)

func TestExeStateText(t *testing.T) {
	for st, want := range map[monitor.ExeState]string{
		monitor.ExeUnknown:      "",
		monitor.ExeOK:           "",
		monitor.ExeDeleted:      "deleted after it started",
		monitor.ExeReplaced:     "replaced on disk after it started: the file there now is not the one running",
		monitor.ExeMemfd:        "runs from memory (memfd), no file on disk",
		monitor.ExeAnonymous:    "runs from no file at all",
		monitor.ExeForeignMount: "in another mount namespace (a container or sandbox): the path is the one inside it",
	} {
		if got := ExeStateText(st); got != want {
			t.Errorf("ExeStateText(%q) = %q, want %q", st, got, want)
		}
	}
}

func TestFileText(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    monitor.Process
		want string
	}{
		{"ok", monitor.Process{Exe: "/usr/bin/x", Identity: monitor.ExeIdentity{State: monitor.ExeOK}}, "/usr/bin/x"},
		{"unknown state", monitor.Process{Exe: "/usr/bin/x"}, "/usr/bin/x"},
		{"deleted", monitor.Process{Exe: "/tmp/x", Identity: monitor.ExeIdentity{State: monitor.ExeDeleted}}, "/tmp/x, deleted after it started"},
		{"kernel's deleted mark", monitor.Process{Exe: "/tmp/x (deleted)"}, "/tmp/x, deleted after it started"},
		{"replaced", monitor.Process{Exe: "/usr/bin/x", Identity: monitor.ExeIdentity{State: monitor.ExeReplaced}},
			"/usr/bin/x, replaced on disk after it started: the file there now is not the one running"},
		{"memfd", monitor.Process{Exe: "/memfd:x (deleted)", Identity: monitor.ExeIdentity{State: monitor.ExeMemfd}},
			"/memfd:x, which runs from memory (memfd), no file on disk"},
		{"memfd, no path", monitor.Process{Identity: monitor.ExeIdentity{State: monitor.ExeMemfd}}, "none: it runs from memory (memfd), no file on disk"},
		{"anonymous", monitor.Process{Identity: monitor.ExeIdentity{State: monitor.ExeAnonymous}}, "none: it runs from no file at all"},
		{"other mount namespace", monitor.Process{Exe: "/app/bin/x", Identity: monitor.ExeIdentity{State: monitor.ExeForeignMount}},
			"/app/bin/x, in another mount namespace (a container or sandbox): the path is the one inside it"},
		{"not readable", monitor.Process{}, "not readable"},
		{"hostile", monitor.Process{Exe: "/tmp/a\u202eb\x1b[31m\nc"}, "/tmp/ab c"},
	} {
		if got := FileText(tc.p); got != tc.want {
			t.Errorf("%s: FileText = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOriginWords(t *testing.T) {
	for _, tc := range []struct {
		name       string
		o          provenance.Origin
		text, abbr string
	}{
		{"none", provenance.Origin{}, "not from any package", "no package"},
		{"dpkg, matches", provenance.Origin{Manager: "dpkg", Package: "python3.11-minimal", Version: "3.11.2-6", Integrity: provenance.IntegrityMatch},
			"shipped by package python3.11-minimal 3.11.2-6 (dpkg); the file matches the package", "dpkg python3.11-minimal"},
		{"dpkg, modified", provenance.Origin{Manager: "dpkg", Package: "openssh-server", Version: "1:9.2", Integrity: provenance.IntegrityMismatch},
			"shipped by package openssh-server 1:9.2 (dpkg); the file differs from what the package shipped", "dpkg openssh-server (modified)"},
		{"rpm, no checksum", provenance.Origin{Manager: "rpm", Package: "x", Version: "1"},
			"shipped by package x 1 (rpm); the package records no checksum to compare the file with", "rpm x"},
		{"flatpak", provenance.Origin{Manager: "flatpak", AppID: "org.signal.Signal", Version: "7.1"}, "Flatpak app org.signal.Signal 7.1", "flatpak org.signal.Signal"},
		{"snap", provenance.Origin{Manager: "snap", AppID: "spotify", Version: "1.2"}, "snap spotify 1.2", "snap spotify"},
		{"appimage", provenance.Origin{Manager: "appimage", AppImage: "/home/a/Apps/Obsidian.AppImage"}, "AppImage /home/a/Apps/Obsidian.AppImage", "appimage"},
	} {
		if got := OriginText(tc.o); got != tc.text {
			t.Errorf("%s: OriginText = %q, want %q", tc.name, got, tc.text)
		}
		if got := OriginShort(tc.o); got != tc.abbr {
			t.Errorf("%s: OriginShort = %q, want %q", tc.name, got, tc.abbr)
		}
	}
}

func TestStartedByText(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    provenance.Origin
		want string
	}{
		{"nothing known", provenance.Origin{}, ""},
		{"system unit", provenance.Origin{Unit: "nginx.service", UnitScope: "system"}, "started by the system's service manager as nginx.service"},
		{"user unit", provenance.Origin{Unit: "syncthing.service", UnitScope: "user"}, "started by your session's service manager as syncthing.service"},
		{"autostart", provenance.Origin{Autostart: "/home/a/.config/autostart/x.desktop"}, "started at login by the autostart entry /home/a/.config/autostart/x.desktop"},
		{"terminal", provenance.Origin{Terminal: true}, "started from a terminal"},
		{"container", provenance.Origin{Container: &provenance.Container{Engine: "docker", Name: "web", Image: "nginx:1"}},
			"runs in the docker container web (image nginx:1)"},
		{"several", provenance.Origin{Unit: "session-2.scope", UnitScope: "system", Terminal: true},
			"started by the system's service manager as session-2.scope; started from a terminal"},
	} {
		if got := StartedByText(tc.o); got != tc.want {
			t.Errorf("%s: StartedByText = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCallsItself(t *testing.T) {
	for _, tc := range []struct {
		p    monitor.Process
		want string
	}{
		{monitor.Process{Name: "python3", Exe: "/usr/bin/python3.11"}, ""},
		{monitor.Process{Name: "gnome-terminal-", Exe: "/usr/libexec/gnome-terminal-server"}, ""},
		{monitor.Process{Name: "sshd", Exe: "/tmp/.x/miner"}, "calls itself “sshd”"},
		{monitor.Process{Name: "kworker/0:1\u202e", Exe: "/tmp/x"}, "calls itself “kworker/0:1”"},
		{monitor.Process{Name: "x", Exe: ""}, ""},
	} {
		if got := CallsItself(tc.p); got != tc.want {
			t.Errorf("CallsItself(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// rich is an assessment with everything the program's section can say.
func rich() policy.Assessment {
	sig := policy.Signal{Trigger: policy.TriggerNameMimics, Reason: `calls itself "sshd" like the system service sshd, but runs /tmp/.x/python3`,
		Advice: policy.Advice(policy.TriggerNameMimics)}
	holder := func(pid int32, user string) monitor.Process {
		return monitor.Process{PID: pid, Name: "sshd", Exe: "/tmp/.x/python3", User: user}
	}
	a := policy.Assessment{
		Listener: monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2222, Exposure: monitor.Network, UID: 1000,
			Process: monitor.Process{PID: 1234, Name: "sshd", Exe: "/tmp/.x/python3", User: "alice", Script: "/tmp/.x/run.py",
				Identity: monitor.ExeIdentity{State: monitor.ExeOK}},
			Holders: []monitor.Process{holder(1234, "alice"), holder(1240, "alice")}},
		Origin: provenance.Origin{AppName: "Helper\u202e", Icon: "helper", Terminal: true, Parents: []string{"bash", "gnome-terminal-server", "systemd"}},
		Verdict: policy.Verdict{Alert: true, Severity: policy.SeverityHigh, Signals: []policy.Signal{sig},
			Reasons: []string{sig.Reason, "not from any package", "assigned port (EtherNet/IP-1)", "reachable from the network"}},
	}
	return a
}

func TestProgramLines(t *testing.T) {
	a := rich()
	compact := []string{
		"Application: Helper (icon helper)",
		"Program file: /tmp/.x/python3",
		"It calls itself “sshd”.",
		"Runs the script /tmp/.x/run.py",
		"Package: not from any package",
		"Started from a terminal.",
	}
	if got := ProgramLines(a, false); strings.Join(got, "\n") != strings.Join(compact, "\n") {
		t.Errorf("compact:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(compact, "\n"))
	}
	full := append(compact,
		"Parent processes, nearest first: bash, then gnome-terminal-server, then systemd",
		"2 processes hold this socket: pid 1234, python3, user alice; pid 1240, python3, user alice.",
		`Seen: calls itself "sshd" like the system service sshd, but runs /tmp/.x/python3.`,
		policy.Advice(policy.TriggerNameMimics),
	)
	if got := ProgramLines(a, true); strings.Join(got, "\n") != strings.Join(full, "\n") {
		t.Errorf("full:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(full, "\n"))
	}

	hidden := policy.Assessment{Listener: monitor.Listener{OwnerHidden: true, SelfHidden: true, UID: 1000},
		Verdict: policy.Verdict{Signals: []policy.Signal{{Trigger: policy.TriggerSelfHidden, Reason: "one of your own programs hides which program it is",
			Advice: policy.Advice(policy.TriggerSelfHidden)}}}}
	got := ProgramLines(hidden, true)
	if len(got) != 3 || !strings.HasPrefix(got[0], "A program of user 1000: Portlight cannot see") ||
		got[1] != "Seen: one of your own programs hides which program it is." || got[2] != policy.Advice(policy.TriggerSelfHidden) {
		t.Errorf("hidden: %q", got)
	}

	packaged := policy.Assessment{Listener: monitor.Listener{Process: monitor.Process{PID: 5, Name: "syncthing", Exe: "/usr/bin/syncthing"}},
		Origin: provenance.Origin{Manager: "dpkg", Package: "syncthing", Version: "1.19", Integrity: provenance.IntegrityMatch,
			Unit: "syncthing@alice.service", UnitScope: "system", AppName: "Syncthing"}}
	want := []string{"Application: Syncthing", "Program file: /usr/bin/syncthing",
		"Package: shipped by package syncthing 1.19 (dpkg); the file matches the package",
		"Started by the system's service manager as syncthing@alice.service."}
	if got := ProgramLines(packaged, true); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("packaged: %q", got)
	}
}

func TestWhoLine(t *testing.T) {
	a := rich()
	if got, want := WhoLine(a), "/tmp/.x/python3 (pid 1234), not from any package, started from a terminal"; got != want {
		t.Errorf("WhoLine = %q, want %q", got, want)
	}
	a.Origin = provenance.Origin{Manager: "dpkg", Package: "openssh-server", Version: "1:9.2", Integrity: provenance.IntegrityMismatch}
	if got, want := WhoLine(a), "/tmp/.x/python3 (pid 1234), shipped by package openssh-server 1:9.2 (dpkg), modified since"; got != want {
		t.Errorf("WhoLine = %q, want %q", got, want)
	}
	if got := WhoLine(policy.Assessment{Listener: monitor.Listener{OwnerHidden: true, UID: 0}}); got != "a program of user 0 that Portlight cannot see" {
		t.Errorf("hidden WhoLine = %q", got)
	}
}

func TestDecidingReasonsLeaveOutTheOrigin(t *testing.T) {
	a := rich()
	got := DecidingReasons(a, 3)
	want := []string{a.Verdict.Reasons[0], "assigned port (EtherNet/IP-1)", "reachable from the network"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("DecidingReasons = %q, want %q", got, want)
	}
	if got := WhyLines(a); got[1] != "Assigned port (EtherNet/IP-1)." {
		t.Errorf("WhyLines = %q", got)
	}
}

func TestWorry(t *testing.T) {
	base := assess(7, "0.0.0.0", monitor.Network, false)
	for _, tc := range []struct {
		name  string
		v     policy.Verdict
		level Level
		want  string
	}{
		{"high", policy.Verdict{Alert: true, Severity: policy.SeverityHigh}, LevelHigh, "Yes, look at this now: Portlight alerts about python3.11 at high severity."},
		{"low", policy.Verdict{Alert: true, Severity: policy.SeverityLow}, LevelLow, "Maybe: Portlight alerts about python3.11, but only this computer can reach it (low severity)."},
		{"allowed", policy.Verdict{Allowed: true}, LevelNone, "No: you allowed python3.11 here."},
		{"ignored", policy.Verdict{Ignored: true}, LevelNone, "No: your settings ignore this listener of python3.11."},
		{"quiet", policy.Verdict{}, LevelNone, "No: nothing about python3.11 on this port is unusual."},
	} {
		a := base
		a.Verdict = tc.v
		if l, s := Worry(a); l != tc.level || s != tc.want {
			t.Errorf("%s: Worry = %q %q, want %q %q", tc.name, l, s, tc.level, tc.want)
		}
	}
	if l, s := WorryLine(Input{Port: 1, Proto: "tcp"}); l != LevelUnknown || s != "Looking…" {
		t.Errorf("unscanned: %q %q", l, s)
	}
	if l, s := WorryLine(Input{Port: 1, Proto: "tcp", Scanned: true}); l != LevelNone || s != "No: nothing listens on 1/tcp now." {
		t.Errorf("nothing: %q %q", l, s)
	}
}

func TestPrimaryIsTheWorst(t *testing.T) {
	quiet := assess(10, "127.0.0.1", monitor.Loopback, false)
	high := assess(20, "0.0.0.0", monitor.Network, true)
	high.Verdict.Severity = policy.SeverityHigh
	if a, ok := Primary([]policy.Assessment{quiet, high}, 0); !ok || a.PID != 20 {
		t.Errorf("Primary without focus = %d", a.PID)
	}
	if a, ok := Primary([]policy.Assessment{quiet, high}, 10); !ok || a.PID != 10 {
		t.Errorf("Primary with focus = %d", a.PID)
	}
}

func TestEndLabelNamesEveryHolder(t *testing.T) {
	a := rich()
	o := Owners([]policy.Assessment{a}, 0)[0]
	if got, want := EndLabel(o), "End process 1234 (python3) and 1240 (python3)…"; got != want {
		t.Errorf("EndLabel = %q, want %q", got, want)
	}
	q := EndProcessQuestion(o, "linux")
	if !strings.HasPrefix(q, "End the 2 processes that hold this socket?\n\npid 1234, python3, user alice\npid 1240, python3, user alice\n\nPortlight asks each") {
		t.Errorf("question %q", q)
	}
	if got := EndedText(o); got != "Asked process 1234 (python3) and 1240 (python3) to end." {
		t.Errorf("ended %q", got)
	}
	one := Owners([]policy.Assessment{assess(7, "0.0.0.0", monitor.Network, false)}, 0)[0]
	if got := EndLabel(one); got != "End process…" {
		t.Errorf("one process: %q", got)
	}
}

func TestFirstScreenComesFirst(t *testing.T) {
	a := rich()
	in := Input{Port: 2222, Proto: "tcp", Scanned: true, Now: []policy.Assessment{a}, Documented: []knownapps.Use{}}
	e := Explain(in)
	var keys []string
	for _, s := range e.Sections {
		keys = append(keys, s.Key)
	}
	if got := strings.Join(keys, ","); !strings.HasPrefix(got, "worry,why,who,do,what,") {
		t.Fatalf("sections %s", got)
	}
	do := e.Section(KeyDo).Lines
	want := []string{
		"Allow it, if you know it and want it here: portlight allow /tmp/.x/python3 --port 2222 --proto tcp",
		"Show its folder: /tmp/.x",
		"End it: ends process 1234 (python3) and 1240 (python3).",
		"Check by hand: the commands under “Check by hand” show who listens here.",
	}
	if strings.Join(do, "\n") != strings.Join(want, "\n") {
		t.Errorf("do lines %q", do)
	}
	r := Report(e)
	if i, j := strings.Index(r, "Should I worry?"), strings.Index(r, "What this port is"); i < 0 || j < i {
		t.Errorf("report order:\n%s", r)
	}
}

func TestDocumentedUses(t *testing.T) {
	uses := knownapps.ForPort(21027, "udp")
	got := DocumentedLines(uses)
	if len(got) == 0 || !strings.HasPrefix(got[0], "Syncthing uses 21027/udp to discover other devices") || !strings.Contains(got[0], "(source: https://") {
		t.Fatalf("DocumentedLines(21027/udp) = %q", got)
	}
	e := Explain(Input{Port: 21027, Proto: "udp"})
	if lines := e.Section(KeyUses).Lines; len(lines) == 0 || lines[0] != got[0] {
		t.Errorf("uses section %q", lines)
	}
}

// A policy that did not look up the origin leaves the package unsaid:
// a zero Origin is "not from any package" only when the verdict says so.
func TestUnknownOriginIsNotUnpackaged(t *testing.T) {
	a := assess(7, "0.0.0.0", monitor.Network, true)
	for _, l := range ProgramLines(a, true) {
		if strings.HasPrefix(l, "Package:") {
			t.Errorf("origin unknown, yet %q", l)
		}
	}
	if got := WhoLine(a); got != "/usr/bin/python3.11 (pid 7)" {
		t.Errorf("WhoLine = %q", got)
	}
	a.Verdict.Reasons = append([]string{"not from any package"}, a.Verdict.Reasons...)
	if got := WhoLine(a); got != "/usr/bin/python3.11 (pid 7), not from any package" {
		t.Errorf("WhoLine = %q", got)
	}
}

func TestPlaceLines(t *testing.T) {
	host := monitor.Listener{Namespace: monitor.Namespace{ID: 4026531833, Host: true}}
	if got := PlaceLines(host); len(got) != 0 {
		t.Errorf("host listener: %q", got)
	}
	f := &monitor.Forward{Via: monitor.ViaDockerProxy, PID: 812, Proto: monitor.TCP, HostAddress: "0.0.0.0", HostPort: 8080,
		InnerAddress: "172.17.0.2", InnerPort: 80, Namespace: 4026532177}
	inner := monitor.Listener{Namespace: monitor.Namespace{ID: 4026532177}, Forwarder: f,
		Container: &monitor.Container{Engine: "docker", ID: "0123456789abcdef0123"}}
	want := []string{
		"Listens inside network namespace net:[4026532177], container 0123456789ab (docker), not in the host's: only programs in that namespace reach it directly.",
		"Reached from the host: docker-proxy (pid 812) forwards host 0.0.0.0:8080/tcp to 172.17.0.2:80 in net:[4026532177].",
	}
	if got := PlaceLines(inner); !slices.Equal(got, want) {
		t.Errorf("PlaceLines =\n%q\nwant\n%q", got, want)
	}
	proxy := monitor.Listener{ForwardedTo: f}
	if got := PlaceLines(proxy); len(got) != 1 || !strings.HasPrefix(got[0], "A forwarder: docker-proxy (pid 812)") {
		t.Errorf("forwarder: %q", got)
	}
}
