package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"portlight/monitor"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// world is a made-up machine: its listeners, assessed by a policy, fed to a
// gate scan after scan.
type world struct {
	t   *testing.T
	p   *Policy
	g   *Gate
	now time.Time
	ls  []monitor.Listener
	got []Notice
	// prev is the last scan, which the next one is diffed against.
	prev monitor.Snapshot
}

// newWorld starts a gate whose baseline is already taken (with the given
// listeners present at the first scan) unless fresh is set.
func newWorld(t *testing.T, baseline ...monitor.Listener) *world {
	w := &world{t: t, now: t0, ls: baseline,
		p: &Policy{Rules: DefaultRules(), Ephemeral: PortRange{32768, 60999}, Lookup: fakeInfo, Hash: fakeHash},
		g: NewGate(GateState{}, GateConfig{})}
	ns := w.scan()
	if len(ns) != 1 || ns[0].Kind != NoticeBaseline {
		t.Fatalf("first scan: %+v, want one baseline notice", ns)
	}
	w.got = nil
	return w
}

// scan feeds the gate what the resident does: the listeners that a diff
// against the last scan finds new, assessed. It returns the notices, also
// collecting them in w.got.
func (w *world) scan() []Notice {
	cur := monitor.Snapshot{Listeners: slices.Clone(w.ls)}
	ns := w.g.ObserveNew(w.now, fresh(w.p, w.prev, cur))
	w.prev = cur
	w.got = append(w.got, ns...)
	return ns
}

// fresh assesses the listeners of cur that a diff against prev finds
// opened or owned by another process, as the resident's loop does.
func fresh(p *Policy, prev, cur monitor.Snapshot) []Assessment {
	var out []Assessment
	for _, ev := range monitor.Diff(prev, cur) {
		if ev.Kind == monitor.Opened || ev.Kind == monitor.OwnerChanged {
			out = append(out, p.Assess(ev.Listener))
		}
	}
	return out
}

// tick advances the clock by d and scans.
func (w *world) tick(d time.Duration) []Notice {
	w.now = w.now.Add(d)
	return w.scan()
}

// idle scans every second for d.
func (w *world) idle(d time.Duration) {
	for end := w.now.Add(d); w.now.Before(end); {
		w.tick(time.Second)
	}
}

// proc builds a listener of a process with a pid and start time.
func proc(exe string, pid int32, port uint16) monitor.Listener {
	l := lis(exe, port, monitor.TCP, monitor.Network)
	l.PID = pid
	l.StartTime = t0.Add(time.Duration(pid) * time.Millisecond)
	return l
}

func kinds(ns []Notice) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s(%d)", n.Kind, n.Count))
	}
	return out
}

func TestGateBaselineIsOneNotice(t *testing.T) {
	g := NewGate(GateState{}, GateConfig{})
	p := &Policy{Rules: DefaultRules(), Lookup: fakeInfo}
	var as []Assessment
	for i := range 40 {
		as = append(as, p.Assess(proc(fmt.Sprintf("/opt/p%d", i%7), int32(100+i%7), uint16(2000+i))))
	}
	as = append(as, p.Assess(proc("/usr/sbin/sshd", 1, 22)))
	ns := g.ObserveNew(t0, as)
	if len(ns) != 1 || ns[0].Kind != NoticeBaseline || ns[0].Count != 41 || ns[0].Programs != 8 || ns[0].Alerting != 40 {
		t.Fatalf("baseline: %+v", ns)
	}
	if !g.Dirty() || !g.State().BaselineTaken || g.Dirty() {
		t.Fatalf("state after baseline not dirty/taken")
	}
	// The baseline's listeners stay quiet, scan after scan.
	for i := 1; i <= 10; i++ {
		if ns := g.ObserveNew(t0.Add(time.Duration(i)*time.Second), nil); len(ns) != 0 {
			t.Fatalf("scan %d after baseline: %v", i, kinds(ns))
		}
	}
}

func TestGateNewAlertIsNotifiedOnce(t *testing.T) {
	w := newWorld(t, proc("/usr/sbin/sshd", 1, 22))
	w.ls = append(w.ls, proc("/opt/a", 200, 2476))
	ns := w.tick(time.Second)
	if len(ns) != 1 || ns[0].Kind != NoticeAlert || ns[0].Count != 1 || ns[0].Severity != SeverityHigh {
		t.Fatalf("new listener: %+v", kinds(ns))
	}
	if as := ns[0].Assessments; len(as) != 1 || as[0].Port != 2476 || as[0].Exe != "/opt/a" {
		t.Errorf("assessments %+v, want /opt/a on 2476", as)
	}
	w.idle(time.Minute)
	if len(w.got) != 1 {
		t.Fatalf("notices while it keeps listening: %v", kinds(w.got))
	}
}

func TestGateAllowedAndQuietListenersAreNotNotified(t *testing.T) {
	w := newWorld(t)
	w.p.Rules.Allow = []AllowEntry{{Path: syncthing}}
	w.ls = []monitor.Listener{proc(syncthing, 10, 2476), proc("/usr/sbin/nginx", 11, 443)}
	w.idle(10 * time.Second)
	if len(w.got) != 0 {
		t.Fatalf("allowed or assigned listeners notified: %v", kinds(w.got))
	}
	// A copy of the allowed binary at another path is another program.
	w.ls = append(w.ls, proc("/tmp/syncthing", 12, 2477))
	w.idle(10 * time.Second)
	if len(w.got) != 1 || w.got[0].Identity != "/tmp/syncthing" {
		t.Fatalf("copy at another path: %v", kinds(w.got))
	}
}

func TestGateRestartWithNewPidIsNotNew(t *testing.T) {
	w := newWorld(t)
	w.ls = []monitor.Listener{proc("/opt/a", 200, 2476), proc("/opt/a", 200, 2477)}
	w.tick(time.Second)
	if len(w.got) != 1 {
		t.Fatalf("first start: %v", kinds(w.got))
	}
	w.idle(10 * time.Second)
	// Stopped for a few scans, then back with a new pid, on IPv6 too.
	w.ls = nil
	w.idle(3 * time.Second)
	l := proc("/opt/a", 300, 2476)
	l6 := l
	l6.Family, l6.Address = monitor.IPv6, "::"
	w.ls = []monitor.Listener{l, l6, proc("/opt/a", 300, 2477)}
	w.idle(time.Minute)
	if len(w.got) != 1 {
		t.Fatalf("restart with a new pid notified: %v", kinds(w.got))
	}
	// A new port from the same program is news.
	w.ls = append(w.ls, proc("/opt/a", 300, 2478))
	w.idle(10 * time.Second)
	if len(w.got) != 2 || w.got[1].Assessments[0].Port != 2478 {
		t.Fatalf("new port of a known program: %v", kinds(w.got))
	}
}

func TestGateBurstOf200PortsIsAtMost3Notices(t *testing.T) {
	for _, spread := range []int{1, 2, 5, 20} { // the burst seen over this many scans
		t.Run(fmt.Sprint(spread), func(t *testing.T) {
			w := newWorld(t)
			for i := range 200 {
				w.ls = append(w.ls, proc("/opt/flood", 999, uint16(20000+i)))
				if (i+1)%(200/spread) == 0 {
					w.tick(time.Second)
				}
			}
			w.idle(2 * time.Minute)
			if len(w.got) > 3 || len(w.got) == 0 {
				t.Fatalf("200-port burst: %d notices %v", len(w.got), kinds(w.got))
			}
			total := 0
			for _, n := range w.got {
				total += n.Count
				if len(n.Assessments) > MaxNoticeAssessments {
					t.Errorf("notice carries %d assessments", len(n.Assessments))
				}
			}
			if total != 200 {
				t.Fatalf("notices count %d ports, want 200: %v", total, kinds(w.got))
			}
			if spread == 1 && (w.got[0].Kind != NoticeAlert || w.got[0].Count != 200) {
				t.Errorf("one program's flood: %v, count %d", kinds(w.got), w.got[0].Count)
			}
		})
	}
}

func TestGateBurstSummaryWaitsForQuiet(t *testing.T) {
	w := newWorld(t)
	w.ls = []monitor.Listener{proc("/opt/a", 5, 2001)}
	if ns := w.tick(time.Second); len(ns) != 1 || ns[0].Kind != NoticeAlert {
		t.Fatalf("first port: %v", kinds(ns))
	}
	w.ls = append(w.ls, proc("/opt/a", 5, 2002), proc("/opt/a", 5, 2003))
	if ns := w.tick(time.Second); len(ns) != 0 {
		t.Fatalf("second scan inside the burst window: %v", kinds(ns))
	}
	w.idle(BurstQuiet - time.Second)
	if len(w.got) != 1 {
		t.Fatalf("summary came before the program calmed down: %v", kinds(w.got))
	}
	w.tick(time.Second)
	if len(w.got) != 2 || w.got[1].Kind != NoticeBurst || w.got[1].Count != 2 {
		t.Fatalf("burst summary: %v", kinds(w.got))
	}
	if as := w.got[1].Assessments; len(as) != 2 || as[0].Exe != "/opt/a" {
		t.Errorf("burst assessments %+v", as)
	}
	// After the window closed, a new port is news at once again.
	w.idle(time.Minute)
	w.ls = append(w.ls, proc("/opt/a", 5, 2004))
	if ns := w.tick(time.Second); len(ns) != 1 || ns[0].Kind != NoticeAlert {
		t.Fatalf("after the window: %v", kinds(ns))
	}
}

func TestGateEndlessBurstIsSummedAtLeastEveryBurstMax(t *testing.T) {
	w := newWorld(t)
	for i := range 130 { // one new port a second for 130 s
		w.ls = append(w.ls, proc("/opt/a", 5, uint16(3000+i)))
		w.tick(time.Second)
	}
	w.idle(time.Minute)
	// 1 at once, then a summary every BurstMax (60 s), then the rest.
	if len(w.got) != 4 || w.got[1].Kind != NoticeBurst {
		t.Fatalf("endless burst: %v", kinds(w.got))
	}
}

func TestGateManyProgramsAtOnceFold(t *testing.T) {
	w := newWorld(t)
	for i := range 10 {
		w.ls = append(w.ls, proc(fmt.Sprintf("/opt/p%d", i), int32(10+i), uint16(2000+i)))
	}
	ns := w.tick(time.Second)
	if len(ns) != MaxNoticesPerScan || ns[MaxNoticesPerScan-1].Kind != NoticeSummary {
		t.Fatalf("10 programs at once: %v", kinds(ns))
	}
	s := ns[MaxNoticesPerScan-1]
	if s.Count != 10-(MaxNoticesPerScan-1) || s.Programs != 10-(MaxNoticesPerScan-1) {
		t.Fatalf("summary: %+v", s)
	}
}

func TestGatePinnedBinaryReplacedIsChanged(t *testing.T) {
	w := newWorld(t)
	w.p.Rules.Allow = []AllowEntry{{Path: "/opt/pinned", SHA256: goodSum}} // fakeHash gives badSum for it
	w.ls = []monitor.Listener{proc("/opt/pinned", 5, 22)}                  // assigned port: only the change alerts
	ns := w.tick(time.Second)
	if len(ns) != 1 || ns[0].Kind != NoticeChanged || ns[0].Severity != SeverityHigh {
		t.Fatalf("replaced pinned binary: %v", kinds(ns))
	}
	if as := ns[0].Assessments; ns[0].Count != 1 || len(as) != 1 || as[0].Port != 22 {
		t.Errorf("changed: count %d, assessments %+v", ns[0].Count, as)
	}
	// Restarts of the same changed binary do not repeat it...
	w.ls = []monitor.Listener{proc("/opt/pinned", 6, 22)}
	w.idle(10 * time.Second)
	if len(w.got) != 1 {
		t.Fatalf("changed repeated on restart: %v", kinds(w.got))
	}
	// ...until it matched its pin again and then changed again.
	w.p.Rules.Allow[0].SHA256 = badSum
	w.ls = []monitor.Listener{proc("/opt/pinned", 7, 22)}
	w.idle(3 * time.Second)
	w.p.Rules.Allow[0].SHA256 = goodSum
	w.ls = []monitor.Listener{proc("/opt/pinned", 8, 22)}
	w.idle(3 * time.Second)
	if len(w.got) != 2 || w.got[1].Kind != NoticeChanged {
		t.Fatalf("second change: %v", kinds(w.got))
	}
}

func TestGatePauseHoldsAndSumsUpOnResume(t *testing.T) {
	w := newWorld(t)
	w.g.Configure(GateConfig{Pause: Pause{Until: t0.Add(time.Minute)}})
	w.ls = []monitor.Listener{proc("/opt/a", 5, 2001), proc("/opt/b", 6, 2002)}
	w.idle(30 * time.Second)
	if len(w.got) != 0 {
		t.Fatalf("notices while paused: %v", kinds(w.got))
	}
	w.idle(time.Minute)
	if len(w.got) != 1 || w.got[0].Kind != NoticeSummary || w.got[0].Count != 2 || w.got[0].Programs != 2 {
		t.Fatalf("resume: %v", kinds(w.got))
	}
	// Until resumed, by hand.
	w.g.Configure(GateConfig{Pause: Pause{UntilResumed: true}})
	w.ls = append(w.ls, proc("/opt/c", 7, 2003))
	w.idle(time.Hour)
	if len(w.got) != 1 {
		t.Fatalf("notices while paused until resumed: %v", kinds(w.got))
	}
	w.g.Configure(GateConfig{})
	w.tick(time.Second)
	if len(w.got) != 2 || w.got[1].Count != 1 {
		t.Fatalf("resume by hand: %v", kinds(w.got))
	}
}

func TestGateSnoozeOneProgram(t *testing.T) {
	w := newWorld(t)
	w.g.Configure(GateConfig{Snooze: map[string]time.Time{"/opt/noisy": t0.Add(time.Hour)}})
	w.ls = []monitor.Listener{proc("/opt/noisy", 5, 2001), proc("/opt/other", 6, 2002)}
	w.idle(10 * time.Second)
	if len(w.got) != 1 || w.got[0].Identity != "/opt/other" {
		t.Fatalf("snooze: %v", kinds(w.got))
	}
	// After the snooze, a new port of the snoozed program is news again.
	w.idle(time.Hour)
	w.ls = append(w.ls, proc("/opt/noisy", 5, 2003))
	w.idle(10 * time.Second)
	if len(w.got) != 2 || w.got[1].Identity != "/opt/noisy" {
		t.Fatalf("after snooze: %v", kinds(w.got))
	}
}

func TestGateStateSurvivesARestartOfPortlight(t *testing.T) {
	w := newWorld(t, proc("/opt/old", 5, 2001))
	w.ls = append(w.ls, proc("/opt/a", 6, 2002))
	w.idle(10 * time.Second)
	if len(w.got) != 1 {
		t.Fatalf("before restart: %v", kinds(w.got))
	}
	b, err := json.Marshal(w.g.State())
	if err != nil {
		t.Fatal(err)
	}
	var st GateState
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	// Portlight restarts; the programs restart too, with new pids, and one
	// new program appeared while Portlight was not running.
	g := NewGate(st, GateConfig{})
	after := monitor.Snapshot{Listeners: []monitor.Listener{proc("/opt/old", 50, 2001), proc("/opt/a", 60, 2002), proc("/opt/new", 70, 2003)}}
	ns := g.ObserveNew(w.now.Add(time.Hour), fresh(w.p, monitor.Snapshot{}, after))
	if len(ns) != 1 || ns[0].Identity != "/opt/new" || ns[0].Kind != NoticeAlert {
		t.Fatalf("after restart: %v", kinds(ns))
	}
}

func TestGateStatePrunes(t *testing.T) {
	st := GateState{Known: map[string]KnownPort{}}
	for i := range MaxKnownPorts + 10 {
		st.Known[fmt.Sprint(i)] = KnownPort{LastSeen: t0.Add(time.Duration(i) * time.Second)}
	}
	st.prune()
	if len(st.Known) != MaxKnownPorts {
		t.Fatalf("%d known after prune", len(st.Known))
	}
	if _, ok := st.Known["0"]; ok {
		t.Fatalf("the oldest entry survived")
	}
	if _, ok := st.Known[fmt.Sprint(MaxKnownPorts+9)]; !ok {
		t.Fatalf("the newest entry was dropped")
	}
}

func TestGateLowSeverityLoopback(t *testing.T) {
	w := newWorld(t)
	l := proc("/opt/a", 5, 2001)
	l.Address, l.Exposure = "127.0.0.1", monitor.Loopback
	w.ls = []monitor.Listener{l}
	ns := w.tick(time.Second)
	if len(ns) != 1 || ns[0].Severity != SeverityLow {
		t.Fatalf("loopback: %+v", ns)
	}
}

func TestGateRemovedFromTheAllowListAlertsOnItsNextStart(t *testing.T) {
	w := newWorld(t)
	w.p.Rules.Allow = []AllowEntry{{Path: "/opt/app"}}
	w.ls = []monitor.Listener{proc("/opt/app", 5, 2001)}
	w.idle(5 * time.Second)
	if len(w.got) != 0 {
		t.Fatalf("allowed app notified: %v", kinds(w.got))
	}
	// The user removes it from the allow-list; it restarts.
	w.p.Rules.Allow = nil
	w.ls = nil
	w.idle(2 * time.Second)
	w.ls = []monitor.Listener{proc("/opt/app", 6, 2001)}
	w.idle(5 * time.Second)
	if len(w.got) != 1 || w.got[0].Identity != "/opt/app" {
		t.Fatalf("disallowed app restarting: %v", kinds(w.got))
	}
}
