package resident

import (
	"testing"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
)

func lst(addr string, port uint16, pid int32, name string) monitor.Listener {
	return monitor.Listener{Proto: monitor.TCP, Address: addr, Port: port, Exposure: monitor.Network,
		Process: monitor.Process{PID: pid, Name: name, Exe: "/usr/bin/" + name}}
}

func ev(kind monitor.EventKind, l monitor.Listener) monitor.Event {
	return monitor.Event{Kind: kind, Listener: l, Time: time.Unix(1000, 0)}
}

func judged(l monitor.Listener, alert bool) policy.Assessment {
	return policy.Assessment{Listener: l, Verdict: policy.Verdict{Alert: alert}}
}

func TestAlertLog(t *testing.T) {
	py4 := lst("0.0.0.0", 5173, 10, "python3")
	py6 := lst("::", 5173, 10, "python3")
	nc := lst("0.0.0.0", 5173, 11, "nc")
	ok := lst("0.0.0.0", 22, 1, "sshd")
	type step struct {
		ev     monitor.Event
		alert  bool
		notify bool // Observe returns a new alert
	}
	for _, tc := range []struct {
		name   string
		steps  []step
		recent int
		unread int
		open   []bool // Open of each recent alert, newest first
	}{
		{"allowed listener: no alert", []step{{ev(monitor.Opened, ok), false, false}}, 0, 0, nil},
		{"alerting listener: one alert", []step{{ev(monitor.Opened, py4), true, true}}, 1, 1, []bool{true}},
		{"v4 and v6 of one process: one alert", []step{
			{ev(monitor.Opened, py4), true, true},
			{ev(monitor.Opened, py6), true, false},
		}, 1, 1, []bool{true}},
		{"repeated opened event: no second notification", []step{
			{ev(monitor.Opened, py4), true, true},
			{ev(monitor.Opened, py4), true, false},
		}, 1, 1, []bool{true}},
		{"closed then reopened by the same process: new alert", []step{
			{ev(monitor.Opened, py4), true, true},
			{ev(monitor.Closed, py4), true, false},
			{ev(monitor.Opened, py4), true, true},
		}, 2, 2, []bool{true, false}},
		{"one of two sockets closes: alert stays open", []step{
			{ev(monitor.Opened, py4), true, true},
			{ev(monitor.Opened, py6), true, false},
			{ev(monitor.Closed, py4), true, false},
			{ev(monitor.Opened, py4), true, false},
		}, 1, 1, []bool{true}},
		{"owner changed: new alert, old one closed", []step{
			{ev(monitor.Opened, py4), true, true},
			{ev(monitor.OwnerChanged, nc), true, true},
		}, 2, 2, []bool{true, false}},
		{"closed of unknown socket is harmless", []step{{ev(monitor.Closed, nc), true, false}}, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewAlertLog(10)
			for i, s := range tc.steps {
				got := g.Observe(s.ev, judged(s.ev.Listener, s.alert))
				if (got != nil) != s.notify {
					t.Fatalf("step %d (%s %s): new alert %v, want %v", i, s.ev.Kind, s.ev.Listener.Key(), got != nil, s.notify)
				}
			}
			r := g.Recent()
			if len(r) != tc.recent || g.Unread() != tc.unread {
				t.Fatalf("recent %d unread %d, want %d %d", len(r), g.Unread(), tc.recent, tc.unread)
			}
			for i, want := range tc.open {
				if r[i].Open != want {
					t.Errorf("alert %d open %v, want %v", i, r[i].Open, want)
				}
			}
		})
	}
}

func TestAlertLogReadNotifiedPending(t *testing.T) {
	g := NewAlertLog(10)
	a := g.Observe(ev(monitor.Opened, lst("0.0.0.0", 5173, 10, "a")), judged(lst("0.0.0.0", 5173, 10, "a"), true))
	b := g.Observe(ev(monitor.Opened, lst("0.0.0.0", 5174, 11, "b")), judged(lst("0.0.0.0", 5174, 11, "b"), true))
	if p := g.Pending(); len(p) != 2 || p[0].ID != a.ID {
		t.Fatalf("pending %+v, want a then b", p)
	}
	g.MarkNotified(a.ID)
	if p := g.Pending(); len(p) != 1 || p[0].ID != b.ID {
		t.Fatalf("pending after notifying a: %+v", p)
	}
	if !g.MarkRead(b.ID) || g.Unread() != 1 {
		t.Fatalf("unread %d after reading b", g.Unread())
	}
	if len(g.Pending()) != 0 {
		t.Fatal("a read alert is still pending a notification")
	}
	if g.MarkRead("nope") {
		t.Fatal("MarkRead of an unknown id reported true")
	}
	g.MarkAllRead()
	if g.Unread() != 0 {
		t.Fatal("unread after MarkAllRead")
	}
	if !g.Alerting(lst("0.0.0.0", 5173, 10, "a").Key()) || g.Alerting(lst("0.0.0.0", 22, 1, "x").Key()) {
		t.Fatal("Alerting wrong")
	}
}

func TestAlertLogBounded(t *testing.T) {
	g := NewAlertLog(3)
	for i := range 10 {
		l := lst("0.0.0.0", uint16(6000+i), int32(100+i), "p")
		g.Observe(ev(monitor.Opened, l), judged(l, true))
		if i < 8 {
			g.Observe(ev(monitor.Closed, l), judged(l, true))
		}
	}
	r := g.Recent()
	if len(r) != 3 {
		t.Fatalf("kept %d alerts, want 3", len(r))
	}
	if r[0].Assessment.Port != 6009 || r[2].Assessment.Port != 6007 {
		t.Errorf("kept ports %d..%d, want 6009..6007", r[0].Assessment.Port, r[2].Assessment.Port)
	}
	if len(g.sockets) != 2 {
		t.Errorf("socket index holds %d, want the 2 open ones", len(g.sockets))
	}
}

func TestAlertLogFloodKeepsNetworkAlert(t *testing.T) {
	g := NewAlertLog(5)
	net := lst("0.0.0.0", 47101, 1, "server")
	g.Observe(ev(monitor.Opened, net), judged(net, true))
	for i := range 50 {
		l := lst("127.0.0.1", uint16(20000+i), int32(100+i), "churn")
		l.Exposure = monitor.Loopback
		g.Observe(ev(monitor.Opened, l), judged(l, true))
	}
	r := g.Recent()
	if len(r) != 5 {
		t.Fatalf("kept %d", len(r))
	}
	found := false
	for _, a := range r {
		found = found || a.Assessment.Port == 47101
	}
	if !found {
		t.Fatal("the network-reachable alert was pushed out by a flood of local ones")
	}
	if !g.Alerting(net.Key()) {
		t.Fatal("network listener no longer marked")
	}
}
