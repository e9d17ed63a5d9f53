package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/provenance"
)

const (
	postgres = "/usr/lib/postgresql/15/bin/postgres"
	intruder = "/opt/x"
)

// fakeOwners is an in-memory UsualOwners: port/proto -> usual executables,
// the first being the one reported. It answers like the history: false for
// a listener whose executable is itself usual, and records what it was asked.
type fakeOwners struct {
	usual map[string][]string
	asked []monitor.Listener
}

func (f *fakeOwners) OwnerChange(l monitor.Listener) (string, time.Duration, bool) {
	f.asked = append(f.asked, l)
	us := f.usual[portKey(Assessment{Listener: l})]
	if len(us) == 0 || slices.Contains(us, l.Exe) {
		return "", 0, false
	}
	return us[0], 3 * time.Hour, true
}

// pgOwners: postgres usually holds 1521/tcp (an assigned port in fakeInfo), syncthing 2476/tcp.
func pgOwners() *fakeOwners {
	return &fakeOwners{usual: map[string][]string{"1521/tcp": {postgres}, "2476/tcp": {syncthing}}}
}

func TestJudgeOwnerChange(t *testing.T) {
	on := DefaultRules()
	off := DefaultRules()
	off.Triggers.OwnerChange = false
	quietLoop := DefaultRules()
	quietLoop.IgnoreLoopback = true
	allow := func(es ...AllowEntry) Rules { r := DefaultRules(); r.Allow = es; return r }
	hidden := lis("", 1521, monitor.TCP, monitor.Network)
	hidden.OwnerHidden = true
	const why = "1521/tcp is usually " + postgres + ", now " + intruder

	tests := []struct {
		name     string
		rules    Rules
		owners   bool // inject the fake history
		l        monitor.Listener
		alert    bool
		severity Severity
		triggers []Trigger
		allowed  bool
		ignored  bool
		first    string   // the first reason, when set
		reasons  []string // each must appear among the reasons
	}{
		{"other exe from the network", on, true, lis(intruder, 1521, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerOwnerChange}, false, false, why,
			[]string{"assigned port", "reachable from the network"}},
		{"other exe on loopback is lower", on, true, lis(intruder, 1521, monitor.TCP, monitor.Loopback),
			true, SeverityLow, []Trigger{TriggerOwnerChange}, false, false, why,
			[]string{"this computer only", "loopback only: lower severity"}},
		{"loopback ignored by setting", quietLoop, true, lis(intruder, 1521, monitor.TCP, monitor.Loopback),
			false, "", []Trigger{TriggerOwnerChange}, false, true, why, []string{"loopback only: ignored by settings"}},
		{"the usual owner itself", on, true, lis(postgres, 1521, monitor.TCP, monitor.Network),
			false, "", nil, false, false, "shipped by package postgresql-15 (dpkg)", []string{"assigned port"}},
		{"the usual owner, upgraded on disk", on, true, lis(postgres+" (deleted)", 1521, monitor.TCP, monitor.Network),
			false, "", nil, false, false, "", nil},
		{"trigger off", off, true, lis(intruder, 1521, monitor.TCP, monitor.Network),
			false, "", nil, false, false, "assigned port", nil},
		{"no history injected", on, false, lis(intruder, 1521, monitor.TCP, monitor.Network),
			false, "", nil, false, false, "assigned port", nil},
		{"port without a usual owner", on, true, lis(intruder, 1522, monitor.TCP, monitor.Network),
			false, "", nil, false, false, "", nil},
		{"other protocol", on, true, lis(intruder, 1521, monitor.UDP, monitor.Network),
			false, "", nil, false, false, "", nil},
		{"hidden owner is not asked about", on, true, hidden,
			false, "", nil, false, false, "", nil},
		{"adds to another trigger", on, true, lis(intruder, 2476, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerOwnerChange, TriggerUnassigned}, false, false,
			"2476/tcp is usually /usr/bin/syncthing, now /opt/x", []string{"unassigned port"}},
		{"allowed on any port still alerts", allow(AllowEntry{Path: intruder}), true, lis(intruder, 1521, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerOwnerChange}, true, false, why,
			[]string{"allowed: /opt/x on any port; an entry for any port does not cover taking over another program's usual port"}},
		{"allowed on any tcp port still alerts", allow(AllowEntry{Path: intruder, Proto: monitor.TCP}), true, lis(intruder, 1521, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerOwnerChange}, true, false, why, nil},
		{"allowed on this port wins", allow(AllowEntry{Path: intruder, Ports: []uint16{1521}}), true, lis(intruder, 1521, monitor.TCP, monitor.Network),
			false, "", nil, true, false, "assigned port", []string{"allowed: /opt/x on port 1521"}},
		{"allowed on any port, no owner change", allow(AllowEntry{Path: intruder}), true, lis(intruder, 1522, monitor.TCP, monitor.Network),
			false, "", nil, true, false, "", []string{"allowed: /opt/x on any port"}},
		{"pinned and changed, and a new owner", allow(AllowEntry{Path: intruder, SHA256: goodSum}), true, lis(intruder, 1521, monitor.TCP, monitor.Network),
			true, SeverityHigh, []Trigger{TriggerChanged, TriggerOwnerChange}, false, false, "", []string{why}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Policy{Rules: tt.rules, Ephemeral: PortRange{32768, 60999}, Lookup: fakeInfo, Hash: fakeHash}
			if strings.HasPrefix(tt.l.Exe, postgres) {
				// The provenance resolver knows the usual owner's package:
				// its file deleted on disk is that package's update.
				p.Origin = func(monitor.Process) provenance.Origin {
					return provenance.Origin{Manager: "dpkg", Package: "postgresql-15", Integrity: provenance.IntegrityMatch}
				}
			}
			f := pgOwners()
			if tt.owners {
				p.Owners = f
			}
			v := p.Assess(tt.l).Verdict
			if v.Alert != tt.alert || v.Severity != tt.severity || v.Allowed != tt.allowed || v.Ignored != tt.ignored {
				t.Errorf("got alert=%v severity=%q allowed=%v ignored=%v, want %v %q %v %v; reasons %q",
					v.Alert, v.Severity, v.Allowed, v.Ignored, tt.alert, tt.severity, tt.allowed, tt.ignored, v.Reasons)
			}
			if !slices.Equal(v.Triggers, tt.triggers) {
				t.Errorf("triggers %v, want %v", v.Triggers, tt.triggers)
			}
			if fired := slices.Contains(tt.triggers, TriggerOwnerChange); v.OwnerChange() != fired {
				t.Errorf("OwnerChange() = %v (usual %q), want %v", v.OwnerChange(), v.UsualOwner, fired)
			}
			if tt.first != "" && (len(v.Reasons) == 0 || v.Reasons[0] != tt.first) {
				t.Errorf("first reason of %q, want %q", v.Reasons, tt.first)
			}
			for _, r := range tt.reasons {
				if !slices.Contains(v.Reasons, r) {
					t.Errorf("reason %q missing from %q", r, v.Reasons)
				}
			}
			for _, l := range f.asked {
				if strings.HasSuffix(l.Exe, deletedSuffix) || l.Exe == "" {
					t.Errorf("history asked about %q", l.Exe)
				}
			}
		})
	}
}

// TestGateOwnerChangeIsNews: the noise gate does not take a new
// program on a port for the usual one re-binding it, and sends it at once as
// a notice of its own even in the middle of that program's burst.
func TestGateOwnerChangeIsNews(t *testing.T) {
	pg := proc(postgres, 10, 1521)
	w := newWorld(t, pg)
	w.p.Owners = pgOwners()
	// The usual owner restarts with a new pid: nothing.
	w.ls = nil
	w.idle(2 * time.Second)
	w.ls = []monitor.Listener{proc(postgres, 11, 1521)}
	w.idle(5 * time.Second)
	if len(w.got) != 0 {
		t.Fatalf("the usual owner restarting notified: %v", kinds(w.got))
	}
	// Another program takes the port, in the same scan as a burst of other
	// ports of its own.
	w.ls = []monitor.Listener{proc(intruder, 20, 1521)}
	for i := range 30 {
		w.ls = append(w.ls, proc(intruder, 20, uint16(20000+i)))
	}
	ns := w.tick(time.Second)
	if len(ns) == 0 || ns[0].Kind != NoticeAlert || ns[0].Count != 1 || ns[0].Assessments[0].Port != 1521 {
		t.Fatalf("first notices %v, want the owner change of 1521 alone first", kinds(ns))
	}
	a := ns[0].Assessments[0]
	if a.Verdict.UsualOwner != postgres || ns[0].Severity != SeverityHigh {
		t.Errorf("owner change notice: %+v", a.Verdict)
	}
	w.idle(time.Minute)
	total := 0
	for _, n := range w.got {
		total += n.Count
	}
	if total != 31 || len(w.got) > 3 {
		t.Errorf("notices %v cover %d ports, want 31 in at most 3", kinds(w.got), total)
	}
	// The intruder restarting on the port is not news again.
	n := len(w.got)
	w.ls = nil
	w.idle(2 * time.Second)
	w.ls = []monitor.Listener{proc(intruder, 21, 1521)}
	w.idle(10 * time.Second)
	if len(w.got) != n {
		t.Errorf("the same new owner restarting notified again: %v", kinds(w.got[n:]))
	}
}

// TestGateOwnerChangeLeadsAFold: when many programs alert in one scan, the
// owner change keeps a notice of its own instead of being folded.
func TestGateOwnerChangeLeadsAFold(t *testing.T) {
	w := newWorld(t)
	w.p.Owners = pgOwners()
	for i := range 6 {
		w.ls = append(w.ls, proc("/opt/p"+string(rune('a'+i)), int32(100+i), uint16(3000+i)))
	}
	w.ls = append(w.ls, proc(intruder, 20, 1521))
	ns := w.tick(time.Second)
	if len(ns) != MaxNoticesPerScan || ns[0].Assessments[0].Port != 1521 || ns[0].Kind != NoticeAlert {
		t.Fatalf("notices %v; want the owner change first, then the rest folded", kinds(ns))
	}
}

// TestOwnerChangeReasonCleansPaths: the paths in an owner change are
// another program's choice (a file named with an escape sequence, a line
// separator, a bidi override). The reason the policy builds is one clean,
// bounded line, whichever surface shows it.
func TestOwnerChangeReasonCleansPaths(t *testing.T) {
	const evilUsual = "/opt/\x1b]0;pwned\x07db\u2028second line"
	evil := lis("/tmp/\x1b[2J\u202egnp.exe\u2029x", 1521, monitor.TCP, monitor.Network)
	p := &Policy{Rules: DefaultRules(), Ephemeral: PortRange{32768, 60999}, Lookup: fakeInfo, Hash: fakeHash,
		Owners: &fakeOwners{usual: map[string][]string{"1521/tcp": {evilUsual}}}}
	v := p.Assess(evil).Verdict
	if !v.OwnerChange() {
		t.Fatalf("no owner change: %+v", v)
	}
	var reason string
	for _, r := range v.Reasons {
		if strings.Contains(r, "is usually") {
			reason = r
		}
		if strings.ContainsAny(r, "\x1b\x07\u2028\u2029\u202e\n") {
			t.Errorf("reason %q carries control or separator characters", r)
		}
	}
	if want := "1521/tcp is usually /opt/dbsecond line, now /tmp/gnp.exex"; reason != want {
		t.Errorf("reason %q, want %q", reason, want)
	}
	long := lis("/tmp/"+strings.Repeat("a", 5000), 1521, monitor.TCP, monitor.Network)
	if r := OwnerChangeReason(long, postgres); len([]rune(r)) > 2*maxReasonPath+40 {
		t.Errorf("reason of %d runes for a 5000-byte path", len([]rune(r)))
	}
}
