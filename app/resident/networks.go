package resident

import (
	"context"
	"time"

	"portlight/content/notice"
	"portlight/monitor/policy"
)

// Networks is what the resident needs of the network watcher (a
// *reach.Watcher): a count that moves only when the machine's interfaces,
// addresses, routes or connection names actually changed.
type Networks interface {
	Generation() uint64
}

// rejudgeNetworks judges every current listener afresh when the networks
// changed since the last scan, and tells about those that now alert, or
// alert at a higher severity, than before: a listener fine at home is news
// on a café's Wi-Fi. The change is read from the watcher's own reading of
// the kernel and NetworkManager, never from a signal's word. A paused or
// snoozed program is not told about; the tray shows the new verdicts
// either way.
func (r *resident) rejudgeNetworks(ctx context.Context, now time.Time) {
	if r.opts.Networks == nil {
		return
	}
	g := r.opts.Networks.Generation()
	if g == r.netGen && r.netSeen {
		return
	}
	first := !r.netSeen
	r.netGen, r.netSeen = g, true
	if first || !r.scanned || r.current == nil {
		return
	}
	// Keyed by socket and owner, not endpoint alone: a container engine's
	// NAT entry (no pid) and a real listener may share an endpoint.
	before := make(map[socketKey]policy.Assessment, len(r.current))
	for _, a := range r.current {
		before[socketOf(a.Listener)] = a
	}
	r.verdicts = nil
	r.current, _ = r.assessAll(r.prev.Listeners)
	r.dirty = true
	var raised []policy.Assessment
	for _, a := range r.current {
		b, ok := before[socketOf(a.Listener)]
		if !ok || urgency(a) <= urgency(b) || now.Before(r.cfg.Snooze[policy.Identity(a.Listener)]) {
			continue
		}
		raised = append(raised, a)
	}
	if len(raised) == 0 {
		return
	}
	r.log.Info("networks changed: listeners reach further", "count", len(raised), "reach", raised[0].Reach)
	if r.pause.Active(now) {
		return
	}
	var ids []string
	for _, a := range raised {
		id := alertID(a.Listener)
		if al := r.alerts.Add(a, now); al != nil {
			id = al.ID
			r.hist.alert(al.ID, now, a.Listener, a.Verdict.Reasons)
		}
		ids = append(ids, id)
	}
	key := ids[0]
	if len(ids) > 1 {
		key = r.group(ids)
	}
	n := policy.Notice{Kind: policy.NoticeAlert, Time: now, Identity: policy.Identity(raised[0].Listener),
		Severity: raised[0].Verdict.Severity, Count: len(raised), Assessments: raised}
	r.delivery.send(ctx, noticeMessage(n, key), notice.Reachable(n), len(raised), now)
}
