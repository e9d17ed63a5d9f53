package resident

import (
	"context"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
)

// fakeNetworks is a network watcher whose generation the test moves.
type fakeNetworks struct{ gen uint64 }

func (f *fakeNetworks) Generation() uint64 { return f.gen }

// TestNetworkChangeRejudges: a listener on a dynamic port alerts at
// medium severity on the home Wi-Fi; moving to a café's Wi-Fi, which the
// settings mark public, makes it high and tells about it once, while a
// change of generation that changes no verdict tells nothing.
func TestNetworkChangeRejudges(t *testing.T) {
	wifi := func(name string) reach.Result {
		return reach.Result{Level: reach.LocalNetwork, Networks: []reach.Network{
			{Interface: "wlan0", Kind: reach.KindWiFi, Name: name, Reach: reach.LocalNetwork}}}
	}
	now := wifi("Home")
	p := &policy.Policy{Rules: policy.DefaultRules(), Reach: func(monitor.Listener) reach.Result { return now }}
	p.Rules.Networks.Public = []string{"Café"}
	nets := &fakeNetworks{}
	l := lst("192.168.1.20", 50001, 10, "python3")
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(l)}}, n, nil, p.Assess)
	r.opts.Networks = nets
	ctx := context.Background()
	tick := func(i int) {
		r.tick(ctx, t0.Add(time.Duration(i)*time.Second))
		r.render(t0.Add(time.Duration(i) * time.Second))
	}
	tick(0) // the baseline
	tick(1) // the listener opens at home
	if len(n.sent) != 2 || n.count(50001) != 1 || r.current[0].Verdict.Severity != policy.SeverityMedium {
		t.Fatalf("at home: sent %+v, verdict %+v; want one medium alert", n.sent, r.current[0].Verdict)
	}
	tick(2)
	nets.gen++ // a change that decides nothing differently (e.g. an address's lifetime)
	tick(3)
	if n.count(50001) != 1 {
		t.Errorf("a network change that changed no verdict was told: %+v", n.sent)
	}

	now = wifi("Café")
	nets.gen++
	tick(4)
	if n.count(50001) != 2 {
		t.Fatalf("moving to the café told nothing: %+v", n.sent)
	}
	m := n.sent[len(n.sent)-1]
	if !strings.Contains(m.Body, "Wi-Fi 'Café'") {
		t.Errorf("the notification does not name the café's Wi-Fi: %q", m.Body)
	}
	if got := r.current[0].Verdict.Severity; got != policy.SeverityHigh {
		t.Errorf("at the café: severity %q, want high", got)
	}
	if !v.last.Unread {
		t.Error("the café's alert is not unread in the tray")
	}
	tick(5)
	tick(6)
	if n.count(50001) != 2 {
		t.Errorf("the café was told about again without a change: %+v", n.sent)
	}
}

// A container's listener is judged again when a forwarder starts to carry
// a host port to it (the scan that sees the forwarder's host listener
// links the two), although the listener itself did not change: its reach
// is the forwarder's host port's now, not the cached verdict's.
func TestForwarderRejudgesInnerListener(t *testing.T) {
	p := &policy.Policy{Rules: policy.DefaultRules(), Reach: func(monitor.Listener) reach.Result {
		return reach.Result{Level: reach.Everywhere, Networks: []reach.Network{}}
	}}
	inner := lst("0.0.0.0", 50002, 10, "python3")
	inner.Namespace = monitor.Namespace{ID: 4026532177}
	fwd := monitor.Forward{Via: monitor.ViaPasta, PID: 11, Proto: monitor.TCP, HostAddress: "0.0.0.0", HostPort: 50002, InnerPort: 50002, Namespace: 4026532177}
	host := lst("0.0.0.0", 50002, 11, "pasta")
	host.ForwardedTo = &fwd
	linked := inner
	linked.Forwarder, linked.Forwarders = &fwd, []monitor.Forward{fwd}
	r, _ := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(inner), snap(inner), snap(linked, host)}}, &fakeNotifier{}, nil, p.Assess)
	reachOf := func() reach.Level {
		for _, a := range r.current {
			if a.Namespace.Inner() {
				return a.Reach
			}
		}
		return ""
	}
	for i := range 3 {
		r.tick(context.Background(), t0.Add(time.Duration(i)*time.Second))
	}
	if got := reachOf(); got != reach.Guests {
		t.Fatalf("no forwarder: reach %q, want this-machine-guests", got)
	}
	r.tick(context.Background(), t0.Add(3*time.Second))
	if got := reachOf(); got != reach.Everywhere {
		t.Errorf("forwarded by pasta on a host wildcard: reach %q, want everywhere", got)
	}
}

// A container engine's NAT entry (no process) and a real listener on the
// same endpoint are judged apart when the networks change: the real one,
// which now reaches a public Wi-Fi, is told about although the NAT entry
// on its endpoint already alerted at high severity, whichever comes first.
func TestNetworkChangeTellsSocketsOnOneEndpointApart(t *testing.T) {
	wifi := func(name string) reach.Result {
		return reach.Result{Level: reach.LocalNetwork, Networks: []reach.Network{
			{Interface: "wlan0", Kind: reach.KindWiFi, Name: name, Reach: reach.LocalNetwork}}}
	}
	real := lst("0.0.0.0", 50003, 10, "python3")
	nat := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 50003, Exposure: monitor.Network}
	for _, order := range [][]monitor.Listener{{real, nat}, {nat, real}} {
		now := wifi("Home")
		p := &policy.Policy{Rules: policy.DefaultRules(), Reach: func(l monitor.Listener) reach.Result {
			if l.PID == 0 {
				return reach.Result{Level: reach.Everywhere, Networks: []reach.Network{}}
			}
			return now
		}}
		p.Rules.Networks.Public = []string{"Café"}
		nets := &fakeNetworks{}
		n := &fakeNotifier{}
		r, _ := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(order...)}}, n, nil, p.Assess)
		r.opts.Networks = nets
		ctx := context.Background()
		for i := range 3 {
			r.tick(ctx, t0.Add(time.Duration(i)*time.Second))
		}
		before := len(n.sent)
		now = wifi("Café")
		nets.gen++
		r.tick(ctx, t0.Add(3*time.Second))
		if len(n.sent) != before+1 || !strings.Contains(n.sent[len(n.sent)-1].Body, "Wi-Fi 'Café'") {
			t.Errorf("order pid %d first: sent %+v after the move, want one notice naming the café", order[0].PID, n.sent[before:])
		}
	}
}
