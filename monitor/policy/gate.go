package policy

import (
	"maps"
	"slices"
	"time"
)

// NoticeKind says what a notification is about.
type NoticeKind string

// Notice kinds.
const (
	// NoticeAlert: one program started listening where it should not; sent
	// at once. Count may be above 1 when it opened several ports in one scan.
	NoticeAlert NoticeKind = "alert"
	// NoticeBurst: more ports from a program already notified about within
	// the burst window, summed up once the program calms down.
	NoticeBurst NoticeKind = "burst"
	// NoticeChanged: a pinned program's file no longer matches its pin.
	NoticeChanged NoticeKind = "changed"
	// NoticeBaseline: the first run recorded what already listens.
	NoticeBaseline NoticeKind = "baseline"
	// NoticeSummary: alerts folded together: many programs at once, or
	// alerts held back while alerts were paused.
	NoticeSummary NoticeKind = "summary"
)

// Notice is one notification to show. The Gate decides when; the notifier
// decides the words (Title gives plain ones).
type Notice struct {
	Kind NoticeKind `json:"kind"`
	Time time.Time  `json:"time"`
	// Identity is the program (see Identity); empty for summaries and the
	// baseline.
	Identity string `json:"identity,omitempty"`
	// Severity is the highest severity among the assessments.
	Severity Severity `json:"severity,omitempty"`
	// Count is how many distinct ports (port and protocol) the notice covers.
	Count int `json:"count"`
	// Programs is how many programs a summary or baseline covers.
	Programs int `json:"programs,omitempty"`
	// Alerting is, for the baseline, how many of its listeners alert.
	Alerting int `json:"alerting,omitempty"`
	// Assessments are the alerting listeners covered, first seen first; for
	// the baseline, the alerting ones only. Bounded by MaxNoticeAssessments.
	Assessments []Assessment `json:"assessments"`
}

// MaxNoticeAssessments bounds Notice.Assessments; Count still counts all.
const MaxNoticeAssessments = 50

// GateConfig is what the user's settings say about notifying.
type GateConfig struct {
	Pause Pause
	// Snooze silences programs, by identity (executable path), until a time.
	Snooze map[string]time.Time
}

// Gate tuning. BurstQuiet: a program's further alerts are held and summed up
// until it has opened nothing new for this long. BurstMax: a summary is sent
// at least this often while a burst goes on. MaxNoticesPerScan: past this
// many notices from one scan, the rest fold into one summary.
const (
	BurstQuiet        = 5 * time.Second
	BurstMax          = 60 * time.Second
	MaxNoticesPerScan = 3
)

// Gate turns a stream of scans into the few notifications worth sending:
// a burst from one program is one notification and a count; a program that
// binds a port it bound before (after a restart, with a new pid) is not new;
// the first run records a baseline and sums it up once; pause and per-program
// snooze hold notifications back. It is fed every scan's new listeners,
// assessed, with the scan's time and keeps no clock of its own, so tests drive it with made-up
// times. Not safe for concurrent use: the monitor loop owns it.
type Gate struct {
	cfg    GateConfig
	state  GateState
	dirty  bool
	bursts map[string]*burst
	// held counts alerts held back by a pause, for one summary on resume.
	held      []Assessment
	heldCount int
	wasPaused bool
}

// burst is one program's open burst window.
type burst struct {
	start, last time.Time
	pending     []Assessment
	pendingKeys map[string]struct{}
}

// NewGate returns a gate that resumes from a saved state (the zero
// GateState on a first run).
func NewGate(st GateState, cfg GateConfig) *Gate {
	g := &Gate{cfg: cfg, state: st, bursts: map[string]*burst{}}
	if g.state.Known == nil {
		g.state.Known = map[string]KnownPort{}
	}
	return g
}

// Configure applies changed settings; call it when the settings change.
func (g *Gate) Configure(cfg GateConfig) { g.cfg = cfg }

// Dirty reports whether the state changed since the last State call.
func (g *Gate) Dirty() bool { return g.dirty }

// State returns the state to persist across runs, and clears Dirty.
func (g *Gate) State() GateState {
	g.dirty = false
	st := g.state
	st.Known = maps.Clone(g.state.Known)
	st.Programs = maps.Clone(g.state.Programs)
	return st
}

// ObserveNew takes, at time now, the listeners that are new since the last
// scan (monitor.Opened and monitor.OwnerChanged events, assessed) and
// returns the notifications to send now, possibly none. The first call
// must carry every current listener, as a diff against an empty snapshot
// does: on a first run it is the baseline. Call it every scan, with nil
// when nothing is new: held bursts are summed up on later calls.
func (g *Gate) ObserveNew(now time.Time, fresh []Assessment) []Notice {
	if !g.state.BaselineTaken {
		return g.takeBaseline(now, fresh)
	}
	paused := g.cfg.Pause.Active(now)
	var out []Notice
	if g.wasPaused && !paused && g.heldCount > 0 {
		out = append(out, Notice{Kind: NoticeSummary, Time: now, Count: g.heldCount,
			Programs: programs(g.held), Severity: maxSeverity(g.held), Assessments: g.held})
		g.held, g.heldCount = nil, 0
	}
	g.wasPaused = paused

	var alerts, changed, moved []Assessment
	seen := map[string]bool{}
	for _, a := range fresh {
		k := knownKey(a)
		if seen[k] {
			continue // the same port on IPv4 and IPv6: one notice
		}
		seen[k] = true
		if g.remember(now, k, a) {
			switch {
			case a.Verdict.Changed():
				changed = append(changed, a)
			case a.Verdict.OwnerChange():
				moved = append(moved, a)
			default:
				alerts = append(alerts, a)
			}
		}
	}
	// The rare, telling alerts first, so that a scan's summary never
	// swallows them.
	alerts = slices.Concat(changed, moved, alerts)
	var keep []Assessment
	for _, a := range alerts {
		switch {
		case paused:
			g.heldCount++
			if len(g.held) < MaxNoticeAssessments {
				g.held = append(g.held, a)
			}
		case now.Before(g.cfg.Snooze[Identity(a.Listener)]):
		default:
			keep = append(keep, a)
		}
	}
	out = append(out, g.route(now, keep)...)
	out = append(out, g.flush(now)...)
	return fold(now, out)
}

// remember records a fresh alerting listener's program and port, and
// reports whether it deserves a notification: the program has not listened
// on this port before (or, for a changed program, this change was not
// notified yet), unless the port is one it was handed at random and the
// user was already told about the program as it is now (see KnownProgram).
// Quiet listeners are not recorded: a program allowed today and removed
// from the allow-list tomorrow must alert when it next binds.
func (g *Gate) remember(now time.Time, k string, a Assessment) bool {
	kp, known := g.state.Known[k]
	if !a.Verdict.Alert {
		if known && kp.ChangeNotified {
			// The program matches its pin again: a later change is news.
			kp.ChangeNotified, kp.LastSeen = false, now
			g.state.Known[k] = kp
			g.dirty = true
		}
		return false
	}
	if !known {
		kp = KnownPort{Identity: Identity(a.Listener), Port: a.Port, Proto: a.Proto, FirstSeen: now}
	}
	kp.LastSeen = now
	notify := !known
	if a.Verdict.Changed() {
		notify = !kp.ChangeNotified
		kp.ChangeNotified = true
	} else {
		kp.ChangeNotified = false
		if notify && randomPortOnly(a) && g.toldBefore(a) {
			notify = false
		}
	}
	if notify {
		g.told(now, a)
	} else {
		g.seen(now, a)
	}
	g.state.Known[k] = kp
	g.dirty = true
	g.state.prune()
	return notify
}

// route sends each program's new alerts at once, or holds them in the
// program's open burst window. An owner change is never held: it is one
// notice of its own, sent at once, and it opens (or extends) the program's
// burst window like any first notice.
func (g *Gate) route(now time.Time, alerts []Assessment) []Notice {
	var out []Notice
	var order []string
	groups := map[string][]Assessment{}
	for _, a := range alerts {
		id := Identity(a.Listener)
		if a.Verdict.OwnerChange() && !a.Verdict.Changed() {
			out = append(out, notice(NoticeAlert, now, id, []Assessment{a}))
			b := g.bursts[id]
			if b == nil {
				b = &burst{start: now}
				g.bursts[id] = b
			}
			b.last = now
			continue
		}
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], a)
	}
	for _, id := range order {
		group := groups[id]
		kind := NoticeAlert
		if group[0].Verdict.Changed() {
			kind = NoticeChanged
		}
		b := g.bursts[id]
		if b != nil && len(b.pendingKeys) == 0 && now.Sub(b.last) >= BurstQuiet {
			b = nil // the window closed quietly: this is news again
		}
		if b == nil || kind == NoticeChanged {
			out = append(out, notice(kind, now, id, group))
			if b == nil {
				b = &burst{start: now}
				g.bursts[id] = b
			}
			b.last = now
			continue
		}
		b.last = now
		if b.pendingKeys == nil {
			b.pendingKeys = map[string]struct{}{}
		}
		for _, a := range group {
			b.pendingKeys[portKey(a)] = struct{}{}
			if len(b.pending) < MaxNoticeAssessments {
				b.pending = append(b.pending, a)
			}
		}
	}
	return out
}

// flush sums up bursts that calmed down or ran for BurstMax, and forgets
// windows that stayed quiet.
func (g *Gate) flush(now time.Time) []Notice {
	var out []Notice
	for _, id := range slices.Sorted(maps.Keys(g.bursts)) {
		b := g.bursts[id]
		quiet := now.Sub(b.last) >= BurstQuiet
		if len(b.pendingKeys) > 0 && (quiet || now.Sub(b.start) >= BurstMax) {
			kind := NoticeBurst
			if len(b.pendingKeys) == 1 {
				kind = NoticeAlert
			}
			n := notice(kind, now, id, b.pending)
			n.Count = len(b.pendingKeys)
			out = append(out, n)
			b.pending, b.pendingKeys, b.start = nil, nil, now
			continue
		}
		if quiet && len(b.pendingKeys) == 0 {
			delete(g.bursts, id)
		}
	}
	return out
}

// takeBaseline records every alerting listener present at the first run as
// known, and sums all of them up in one notice.
func (g *Gate) takeBaseline(now time.Time, as []Assessment) []Notice {
	var alerting []Assessment
	ports := map[string]struct{}{}
	for _, a := range as {
		ports[portKey(a)] = struct{}{}
		if !a.Verdict.Alert {
			continue // quiet listeners are not recorded; see remember
		}
		alerting = append(alerting, a)
		if k := knownKey(a); !hasKey(g.state.Known, k) {
			g.state.Known[k] = KnownPort{Identity: Identity(a.Listener), Port: a.Port, Proto: a.Proto,
				FirstSeen: now, LastSeen: now, ChangeNotified: a.Verdict.Changed()}
		}
		g.told(now, a) // the baseline lists it: the user was told
	}
	g.state.BaselineTaken, g.state.BaselineTime = true, now
	g.state.prune()
	g.dirty = true
	n := Notice{Kind: NoticeBaseline, Time: now, Count: len(ports), Programs: programs(as),
		Alerting: len(alerting), Severity: maxSeverity(alerting)}
	n.Assessments = capped(alerting)
	return []Notice{n}
}

// notice builds a notice for one program's assessments.
func notice(kind NoticeKind, now time.Time, id string, as []Assessment) Notice {
	ports := map[string]struct{}{}
	for _, a := range as {
		ports[portKey(a)] = struct{}{}
	}
	return Notice{Kind: kind, Time: now, Identity: id, Severity: maxSeverity(as),
		Count: len(ports), Programs: 1, Assessments: capped(as)}
}

// fold keeps at most MaxNoticesPerScan notices, folding the rest into one
// summary so that many programs at once cannot flood the desktop.
func fold(now time.Time, ns []Notice) []Notice {
	if len(ns) <= MaxNoticesPerScan {
		return ns
	}
	keep := ns[:MaxNoticesPerScan-1]
	s := Notice{Kind: NoticeSummary, Time: now}
	ids := map[string]struct{}{}
	for _, n := range ns[MaxNoticesPerScan-1:] {
		s.Count += n.Count
		ids[n.Identity] = struct{}{}
		s.Assessments = append(s.Assessments, n.Assessments...)
		if n.Severity.Rank() > s.Severity.Rank() {
			s.Severity = n.Severity
		}
	}
	s.Programs = len(ids)
	s.Assessments = capped(s.Assessments)
	return append(slices.Clip(keep), s)
}

// capped bounds a list of assessments to MaxNoticeAssessments.
func capped(as []Assessment) []Assessment {
	if len(as) > MaxNoticeAssessments {
		as = as[:MaxNoticeAssessments]
	}
	return slices.Clone(as)
}

// programs counts distinct identities.
func programs(as []Assessment) int {
	ids := map[string]struct{}{}
	for _, a := range as {
		ids[Identity(a.Listener)] = struct{}{}
	}
	return len(ids)
}

// maxSeverity is the highest severity among alerting assessments.
func maxSeverity(as []Assessment) Severity {
	var s Severity
	for _, a := range as {
		if a.Verdict.Severity.Rank() > s.Rank() {
			s = a.Verdict.Severity
		}
	}
	return s
}

// hasKey reports whether m has k.
func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
