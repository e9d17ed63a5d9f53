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

func judged(l monitor.Listener, alert bool) policy.Assessment {
	return policy.Assessment{Listener: l, Verdict: policy.Verdict{Alert: alert}}
}

var t0 = time.Unix(1000, 0)

func TestAlertLog(t *testing.T) {
	py4 := lst("0.0.0.0", 5173, 10, "python3")
	py6 := lst("::", 5173, 10, "python3")
	nc := lst("0.0.0.0", 5173, 11, "nc")
	// One process, two sockets on one endpoint (SO_REUSEPORT workers).
	avahiA, avahiB := lst("0.0.0.0", 5353, 12, "avahi-daemon"), lst("0.0.0.0", 5353, 12, "avahi-daemon")
	avahiA.Inode, avahiB.Inode = 1, 2
	type step struct {
		add   *monitor.Listener // nil: close
		close *monitor.Listener
		isNew bool
	}
	for _, tc := range []struct {
		name   string
		steps  []step
		recent int
		open   []bool // Open of each recent alert, newest first
	}{
		{"one alert", []step{{add: &py4, isNew: true}}, 1, []bool{true}},
		{"v4 and v6 of one process: one alert", []step{
			{add: &py4, isNew: true}, {add: &py6},
		}, 1, []bool{true}},
		{"repeat: no second alert", []step{{add: &py4, isNew: true}, {add: &py4}}, 1, []bool{true}},
		{"closed then reopened: new alert", []step{
			{add: &py4, isNew: true}, {close: &py4}, {add: &py4, isNew: true},
		}, 2, []bool{true, false}},
		{"one of two sockets closes: alert stays open", []step{
			{add: &py4, isNew: true}, {add: &py6}, {close: &py4}, {add: &py4},
		}, 1, []bool{true}},
		{"owner change: the previous socket closes, new alert", []step{
			{add: &py4, isNew: true}, {close: &py4}, {add: &nc, isNew: true},
		}, 2, []bool{true, false}},
		{"two programs share an endpoint: one closing leaves the other open", []step{
			{add: &py4, isNew: true}, {add: &nc, isNew: true}, {close: &nc},
		}, 2, []bool{false, true}},
		{"two sockets of one endpoint told apart by inode", []step{
			{add: &avahiA, isNew: true}, {add: &avahiB}, {close: &avahiB},
		}, 1, []bool{true}},
		{"closing an unknown socket is harmless", []step{{close: &nc}}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewAlertLog(10)
			for i, s := range tc.steps {
				if s.add == nil {
					g.Closed(*s.close)
					continue
				}
				if got := g.Add(judged(*s.add, true), t0); (got != nil) != s.isNew {
					t.Fatalf("step %d: new alert %v, want %v", i, got != nil, s.isNew)
				}
			}
			r := g.Recent()
			if len(r) != tc.recent || g.Unread() != tc.recent {
				t.Fatalf("recent %d unread %d, want %d", len(r), g.Unread(), tc.recent)
			}
			for i, want := range tc.open {
				if r[i].Open != want {
					t.Errorf("alert %d open %v, want %v", i, r[i].Open, want)
				}
			}
		})
	}
}

func TestAlertLogRead(t *testing.T) {
	g := NewAlertLog(10)
	a := g.Add(judged(lst("0.0.0.0", 5173, 10, "a"), true), t0)
	b := g.Add(judged(lst("0.0.0.0", 5174, 11, "b"), true), t0)
	if !g.MarkRead(b.ID) || g.Unread() != 1 {
		t.Fatalf("unread %d after reading b", g.Unread())
	}
	if g.MarkRead("nope") {
		t.Fatal("MarkRead of an unknown id reported true")
	}
	if got, ok := g.Get(a.ID); !ok || got.Read || got.Assessment.Port != 5173 {
		t.Fatalf("Get(a) = %+v, %v", got, ok)
	}
	g.MarkAllRead()
	if g.Unread() != 0 {
		t.Fatal("unread after MarkAllRead")
	}
}

func TestAlertLogBounded(t *testing.T) {
	g := NewAlertLog(3)
	for i := range 10 {
		l := lst("0.0.0.0", uint16(6000+i), int32(100+i), "p")
		g.Add(judged(l, true), t0)
		if i < 8 {
			g.Closed(l)
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
	g.Add(judged(net, true), t0)
	for i := range 50 {
		l := lst("127.0.0.1", uint16(20000+i), int32(100+i), "churn")
		l.Exposure = monitor.Loopback
		g.Add(judged(l, true), t0)
	}
	found := false
	for _, a := range g.Recent() {
		found = found || a.Assessment.Port == 47101
	}
	if !found {
		t.Fatal("the network-reachable alert was pushed out by a flood of local ones")
	}
}
