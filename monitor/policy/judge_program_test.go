package policy

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/provenance"
)

// origins is a made-up provenance resolver: files under /usr are packaged
// (syncthing's intact, sshd's modified), the rest from no package.
func origins(p monitor.Process) provenance.Origin {
	switch {
	case strings.HasPrefix(p.Exe, syncthing):
		return provenance.Origin{Manager: "dpkg", Package: "syncthing", Version: "1.27", Integrity: provenance.IntegrityMatch}
	case p.Exe == "/usr/sbin/sshd":
		return provenance.Origin{Manager: "dpkg", Package: "openssh-server", Version: "9.6", Integrity: provenance.IntegrityMismatch}
	}
	return provenance.Origin{}
}

// expected documents syncthing on 21027/udp and 2476/tcp.
func expected(l monitor.Listener, o provenance.Origin) (string, bool) {
	if o.Package == "syncthing" && (l.Port == 21027 || l.Port == 2476) {
		return "Syncthing uses " + portKey(Assessment{Listener: l}) + " to discover other devices", true
	}
	return "", false
}

func ok(l monitor.Listener) monitor.Listener {
	l.Identity = monitor.ExeIdentity{State: monitor.ExeOK, Dev: 1, Inode: 2}
	return l
}

func TestJudgeProgram(t *testing.T) {
	defaults := DefaultRules()
	quietLoop := DefaultRules()
	quietLoop.IgnoreLoopback = true
	strict := DefaultRules()
	strict.Triggers.NotOnAllowList = true
	withAllow := func(r Rules, es ...AllowEntry) Rules { r.Allow = es; return r }
	replaced := ok(lis(syncthing, 2476, monitor.TCP, monitor.Network))
	replaced.Identity.State = monitor.ExeReplaced
	foreign := ok(lis("/opt/app", 2476, monitor.TCP, monitor.Network))
	foreign.Identity.State = monitor.ExeForeignMount
	memfd := ok(lis("/memfd:x (deleted)", 2476, monitor.TCP, monitor.Network))
	memfd.Identity.State = monitor.ExeMemfd
	selfHidden := lis("", 443, monitor.TCP, monitor.Loopback)
	selfHidden.OwnerHidden, selfHidden.SelfHidden, selfHidden.Name = true, true, ""
	heldToo := ok(lis("/usr/sbin/nginx", 443, monitor.TCP, monitor.Network))
	heldToo.Holders = []monitor.Process{heldToo.Process, {PID: 99, Exe: "/tmp/helper", Name: "helper", Identity: monitor.ExeIdentity{State: monitor.ExeOK}}}
	ephemeralTmp := ok(lis("/tmp/x", 40000, monitor.UDP, monitor.Network))

	tests := []struct {
		name     string
		rules    Rules
		l        monitor.Listener
		alert    bool
		severity Severity
		triggers []Trigger
		allowed  bool
		first    string   // the first reason, when set
		reasons  []string // each must appear
	}{
		{"unknown program from /tmp alerts even on 443", defaults, ok(lis("/tmp/x", 443, monitor.TCP, monitor.Network)),
			true, SeverityHigh, []Trigger{TriggerExeWritable}, false, "runs from a temporary folder (/tmp): /tmp/x",
			[]string{"not from any package", "assigned port (https)"}},
		{"strong signal on loopback stays high", quietLoop, ok(lis("/tmp/x", 443, monitor.TCP, monitor.Loopback)),
			true, SeverityHigh, []Trigger{TriggerExeWritable}, false, "", []string{"this computer only"}},
		{"weak signal on loopback is low", defaults, ok(lis("/tmp/go-build9/b001/exe/srv", 8080, monitor.TCP, monitor.Loopback)),
			true, SeverityLow, []Trigger{TriggerExeWritable}, false, "", []string{"loopback only: lower severity"}},
		{"weak signal on loopback ignored by setting", quietLoop, ok(lis("/tmp/go-build9/b001/exe/srv", 8080, monitor.TCP, monitor.Loopback)),
			false, "", []Trigger{TriggerExeWritable}, false, "", nil},
		{"packaged program on a documented port does not alert", defaults, ok(lis(syncthing, 21027, monitor.UDP, monitor.Network)),
			false, "", []Trigger{TriggerUnassigned}, false, "shipped by package syncthing 1.27 (dpkg)",
			[]string{"Syncthing uses 21027/udp to discover other devices (documented)"}},
		{"packaged program on an undocumented port alerts", defaults, ok(lis(syncthing, 2477, monitor.TCP, monitor.Network)),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, "", nil},
		{"strict mode is not lowered by the documentation", strict, ok(lis(syncthing, 21027, monitor.UDP, monitor.Network)),
			true, SeverityHigh, []Trigger{TriggerUnassigned, TriggerNotAllowed}, false, "", nil},
		{"modified package file alerts on its own port", defaults, ok(lis("/usr/sbin/sshd", 22, monitor.TCP, monitor.Network)),
			true, SeverityHigh, []Trigger{TriggerPackageMismatch}, false,
			"its file /usr/sbin/sshd differs from what package openssh-server 9.6 shipped", nil},
		{"self-hidden alerts high whatever the port", defaults, selfHidden,
			true, SeverityHigh, []Trigger{TriggerSelfHidden}, false, "one of your own programs hides which program it is", nil},
		{"self-hidden switched off", func() Rules { r := DefaultRules(); r.Triggers.SelfHidden = false; return r }(), selfHidden,
			false, "", nil, false, "", nil},
		{"the worst holder decides", defaults, heldToo,
			true, SeverityHigh, []Trigger{TriggerExeWritable}, false, "also held by pid 99, /tmp/helper", nil},
		{"strong signal on an ephemeral UDP socket", defaults, ephemeralTmp,
			true, SeverityHigh, []Trigger{TriggerExeWritable}, false, "", nil},
		{"allowed program from /tmp is quiet", withAllow(defaults, AllowEntry{Path: "/tmp/x"}), ok(lis("/tmp/x", 2476, monitor.TCP, monitor.Network)),
			false, "", []Trigger{TriggerExeWritable}, true, "", []string{"allowed: /tmp/x on any port"}},
		{"an allow entry does not silence a modified package file", withAllow(defaults, AllowEntry{Path: "/usr/sbin/sshd"}),
			ok(lis("/usr/sbin/sshd", 22, monitor.TCP, monitor.Network)), true, SeverityHigh, []Trigger{TriggerPackageMismatch}, true, "", nil},

		// The allow-list by file identity.
		{"package entry survives the package's update", withAllow(defaults, AllowEntry{Path: syncthing, Package: "syncthing"}), replaced,
			false, "", nil, true, "", []string{"/usr/bin/syncthing was replaced on disk since it started, by an update of package syncthing: restart it to run the new version"}},
		{"path entry does not match a replaced file", withAllow(defaults, AllowEntry{Path: syncthing}), replaced,
			false, "", []Trigger{TriggerUnassigned}, false, "",
			[]string{"the running file of /usr/bin/syncthing was replaced or deleted since it started: an entry by path does not apply (an entry that records the package does)"}},
		{"package entry for another package", withAllow(defaults, AllowEntry{Path: "/opt/app", Package: "app"}), ok(lis("/opt/app", 2476, monitor.TCP, monitor.Network)),
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, "", nil},
		{"another mount namespace never matches a path entry", withAllow(defaults, AllowEntry{Path: "/opt/app"}), foreign,
			true, SeverityHigh, []Trigger{TriggerUnassigned}, false, "",
			[]string{"/opt/app runs in another mount namespace, where its path names another file: an entry by path does not apply"}},
		{"memfd never matches", withAllow(defaults, AllowEntry{Path: "/memfd:x"}), memfd,
			true, SeverityHigh, []Trigger{TriggerExeMemfd, TriggerUnassigned}, false, "runs from memory (memfd), with no file on disk", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Policy{Rules: tt.rules, Ephemeral: PortRange{32768, 60999}, Lookup: fakeInfo, Hash: fakeHash,
				Origin: origins, Expected: expected, Places: testPlaces}
			a := p.Assess(tt.l)
			v := a.Verdict
			if v.Alert != tt.alert || v.Severity != tt.severity || v.Allowed != tt.allowed {
				t.Errorf("got alert=%v severity=%q allowed=%v, want %v %q %v; reasons %q",
					v.Alert, v.Severity, v.Allowed, tt.alert, tt.severity, tt.allowed, v.Reasons)
			}
			if !slices.Equal(v.Triggers, tt.triggers) {
				t.Errorf("triggers %v, want %v; reasons %q", v.Triggers, tt.triggers, v.Reasons)
			}
			if tt.first != "" && (len(v.Reasons) == 0 || v.Reasons[0] != tt.first) {
				t.Errorf("first reason of %q, want %q", v.Reasons, tt.first)
			}
			for _, r := range tt.reasons {
				if !slices.Contains(v.Reasons, r) {
					t.Errorf("reason %q missing from %q", r, v.Reasons)
				}
			}
			if !reflect.DeepEqual(a.Origin, p.originOf(tt.l)) {
				t.Errorf("origin %+v is not the owner's", a.Origin)
			}
		})
	}
}

func TestPolicyEntryForRecordsThePackage(t *testing.T) {
	p := &Policy{Rules: DefaultRules(), Lookup: fakeInfo, Hash: fakeHash, Origin: origins}
	l := ok(lis(syncthing, 2476, monitor.TCP, monitor.Network))
	e, err := p.EntryFor(l, nil, t0)
	if err != nil || e.Package != "syncthing" {
		t.Fatalf("EntryFor: %+v, %v", e, err)
	}
	// A modified package file is recorded by path only.
	if e, err := p.EntryFor(ok(lis("/usr/sbin/sshd", 22, monitor.TCP, monitor.Network)), nil, t0); err != nil || e.Package != "" {
		t.Fatalf("EntryFor a modified file: %+v, %v", e, err)
	}
	// The entry keeps allowing the program after its package updated it.
	p.Rules.Allow = []AllowEntry{e}
	l.Identity.State = monitor.ExeReplaced
	if v := p.Assess(l).Verdict; !v.Allowed || v.Alert {
		t.Fatalf("after the update: %+v", v)
	}
}

func TestFingerprint(t *testing.T) {
	p := &Policy{Hash: fakeHash}
	pkg := provenance.Origin{Manager: "dpkg", Package: "syncthing", Version: "1.27"}
	if got := p.Fingerprint(monitor.Process{Exe: syncthing}, pkg); got != "package dpkg:syncthing 1.27" {
		t.Errorf("packaged: %q", got)
	}
	if got := p.Fingerprint(monitor.Process{Exe: syncthing}, provenance.Origin{}); got != "sha256:"+goodSum {
		t.Errorf("hashed: %q", got)
	}
	gone := monitor.Process{Exe: "/opt/a (deleted)", Identity: monitor.ExeIdentity{Dev: 3, Inode: 4}}
	if got := p.Fingerprint(gone, provenance.Origin{}); got != "inode 3:4" {
		t.Errorf("deleted: %q", got)
	}
}

func TestAllowEntryValidateScripts(t *testing.T) {
	for _, e := range []AllowEntry{
		{Path: python, Args: "*/srv/app.py*"},
		{Path: python, Script: "app.py"},
		{Path: python, Script: "/srv/app.py", ScriptSHA256: "abc"},
	} {
		if err := e.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", e)
		}
	}
	if err := (AllowEntry{Path: python, Args: "*x"}).Validate(); err == nil || !strings.Contains(err.Error(), "absolute path") {
		t.Errorf("leading * error does not say what to do: %v", err)
	}
	for _, e := range []AllowEntry{{Path: python, Script: "/srv/app.py", ScriptSHA256: goodSum}, {Path: python, Args: "/srv/*.py"}} {
		if err := e.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", e, err)
		}
	}
}

func TestScriptPin(t *testing.T) {
	p := &Policy{Rules: DefaultRules(), Lookup: fakeInfo, Hash: fakeHash}
	l := ok(lis(python, 2476, monitor.TCP, monitor.Network))
	l.Script = syncthing // hashes to goodSum
	p.Rules.Allow = []AllowEntry{{Path: python, Script: syncthing, ScriptSHA256: goodSum}}
	if v := p.Assess(l).Verdict; !v.Allowed {
		t.Fatalf("pinned script: %+v", v)
	}
	p.Rules.Allow[0].ScriptSHA256 = badSum
	if v := p.Assess(l).Verdict; !v.Changed() || !v.Alert {
		t.Fatalf("changed script: %+v", v)
	}
}
