package listing

import (
	"strings"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
)

func lst(port uint16, pid int32, name string, alert bool) policy.Assessment {
	a := policy.Assessment{Listener: monitor.Listener{Proto: monitor.TCP, Family: monitor.IPv4, Address: "127.0.0.1", Port: port,
		Exposure: monitor.Loopback, UID: 1000, Process: monitor.Process{PID: pid, Name: name, User: "alice"}},
		PortInfo: portinfo.Info{Port: port, Proto: "tcp", Status: portinfo.Unassigned}}
	if alert {
		a.Verdict = policy.Verdict{Alert: true, Reasons: []string{"unassigned port"}}
	}
	return a
}

func states(rows []Row) string {
	var b []string
	for _, r := range rows {
		b = append(b, r.Cells[ColPort]+"="+[]string{"live", "new", "closed"}[r.State])
	}
	return strings.Join(b, " ")
}

func TestNewAndClosedRows(t *testing.T) {
	m := NewModel()
	t0 := time.Unix(1000, 0)
	m.Update([]policy.Assessment{lst(22, 1, "sshd", false), lst(631, 2, "cupsd", false)}, t0)
	if got := states(m.Rows()); got != "22=live 631=live" {
		t.Fatalf("first scan: %s (nothing is new on the first scan)", got)
	}
	m.Update([]policy.Assessment{lst(22, 1, "sshd", false), lst(5173, 3, "node", true)}, t0.Add(time.Second))
	if got := states(m.Rows()); got != "22=live 631=closed 5173=new" {
		t.Fatalf("second scan: %s", got)
	}
	// Highlights last NewFor; closed rows disappear after ClosedFor.
	if m.Tick(t0.Add(3 * time.Second)) {
		t.Error("Tick changed something before the marks expired")
	}
	if !m.Tick(t0.Add(6 * time.Second)) {
		t.Error("Tick reported no change when marks expired")
	}
	if got := states(m.Rows()); got != "22=live 5173=live" {
		t.Fatalf("after 5 s: %s", got)
	}
}

func TestOwnerChangeShowsNewAndClosed(t *testing.T) {
	m := NewModel()
	t0 := time.Unix(1000, 0)
	m.Update([]policy.Assessment{lst(8080, 1, "python3", false)}, t0)
	m.Update([]policy.Assessment{lst(8080, 2, "nc", true)}, t0.Add(time.Second))
	rows := m.Rows()
	if len(rows) != 2 {
		t.Fatalf("%d rows, want the old owner closed and the new one new", len(rows))
	}
	byName := map[string]State{}
	for _, r := range rows {
		byName[r.A.Name] = r.State
	}
	if byName["python3"] != Closed || byName["nc"] != New {
		t.Errorf("states %v", byName)
	}
}

func TestClosedRowComingBackIsNew(t *testing.T) {
	m := NewModel()
	t0 := time.Unix(1000, 0)
	a := lst(3000, 1, "node", false)
	m.Update([]policy.Assessment{a}, t0)
	m.Update(nil, t0.Add(time.Second))
	m.Update([]policy.Assessment{a}, t0.Add(2*time.Second))
	if got := states(m.Rows()); got != "3000=new" {
		t.Errorf("got %s", got)
	}
}

func TestSortAndFilter(t *testing.T) {
	m := NewModel()
	m.Update([]policy.Assessment{lst(631, 2, "cupsd", false), lst(22, 1, "sshd", false), lst(5173, 3, "node", true)}, time.Unix(0, 0))
	order := func() string {
		var s []string
		for _, r := range m.Rows() {
			s = append(s, r.Cells[ColPort])
		}
		return strings.Join(s, ",")
	}
	if got := order(); got != "22,631,5173" {
		t.Errorf("default order %s", got)
	}
	m.SetSort(ColPort)
	if got := order(); got != "5173,631,22" {
		t.Errorf("port descending %s", got)
	}
	m.SetSort(ColProcess)
	if got := order(); got != "631,5173,22" {
		t.Errorf("by process %s", got)
	}
	m.SetSort(ColVerdict)
	if got := order(); got != "5173,22,631" {
		t.Errorf("by verdict (alerts first) %s", got)
	}
	m.SetFilter("  SSH ")
	if got := order(); got != "22" {
		t.Errorf("filter sshd: %s", got)
	}
	m.SetFilter("alert node")
	if got := order(); got != "5173" {
		t.Errorf("filter two words: %s", got)
	}
	m.SetFilter("nothing-matches")
	if got := order(); got != "" {
		t.Errorf("filter none: %s", got)
	}
}

func TestCells(t *testing.T) {
	a := lst(5173, 3, "no\u202ede\x1b[31m", true)
	a.Exposure = monitor.Network
	a.Address = "0.0.0.0"
	got := Cells(a)
	want := [NumColumns]string{"5173", "tcp", "0.0.0.0", "everywhere", "node (3)", "alice", "unassigned", "alert: unassigned port"}
	if got != want {
		t.Errorf("Cells =\n%q\nwant\n%q", got, want)
	}
	h := lst(22, 0, "", false)
	h.OwnerHidden, h.User, h.UID = true, "", 0
	h.PortInfo = portinfo.Info{Status: portinfo.Assigned, Services: []portinfo.Service{{Name: "ssh"}}}
	got = Cells(h)
	if got[ColProcess] != "(hidden)" || got[ColUser] != "uid 0" || got[ColStatus] != "IANA: ssh" || got[ColExposure] != "this computer" || got[ColVerdict] != "ok" {
		t.Errorf("hidden row cells %q", got)
	}
}

// The reach column says what the listener reaches in a word or two, naming
// the network when it is one; a network's name is chosen by whoever runs
// it, so it is cleaned and bounded.
func TestReachCell(t *testing.T) {
	cafe := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "Café", Reach: reach.LocalNetwork}
	eth := reach.Network{Interface: "eth0", Kind: reach.KindEthernet, Name: "Wired", Reach: reach.LocalNetwork}
	evil := reach.Network{Interface: "wlan0", Kind: reach.KindWiFi, Name: "x\x1b[2J\u202e" + strings.Repeat("y", 300), Reach: reach.LocalNetwork}
	for _, tc := range []struct {
		name string
		set  func(*policy.Assessment)
		want string
	}{
		{"old record, loopback", func(a *policy.Assessment) {}, "this computer"},
		{"this computer", func(a *policy.Assessment) { a.Reach = reach.ThisComputer }, "this computer"},
		{"guests", func(a *policy.Assessment) { a.Reach = reach.Guests }, "VMs and containers"},
		{"one Wi-Fi", func(a *policy.Assessment) { a.Reach, a.ReachNetworks = reach.LocalNetwork, []reach.Network{cafe} }, "Wi-Fi 'Café'"},
		{"two networks", func(a *policy.Assessment) { a.Reach, a.ReachNetworks = reach.LocalNetwork, []reach.Network{cafe, eth} }, "local network"},
		{"everywhere", func(a *policy.Assessment) { a.Reach, a.ReachNetworks = reach.Everywhere, []reach.Network{cafe} }, "everywhere"},
		{"inside a container", func(a *policy.Assessment) {
			a.Reach, a.ReachInside = reach.ThisComputer, &reach.Inside{Namespace: "net:[1]", Container: "web"}
		}, "inside container"},
		{"hostile name", func(a *policy.Assessment) { a.Reach, a.ReachNetworks = reach.LocalNetwork, []reach.Network{evil} }, ""},
	} {
		a := lst(8080, 3, "node", false)
		tc.set(&a)
		got := Cells(a)[ColExposure]
		if tc.want == "" {
			if strings.ContainsAny(got, "\x1b\u202e") || len([]rune(got)) > 40 {
				t.Errorf("%s: cell %q not cleaned or bounded", tc.name, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: cell %q, want %q", tc.name, got, tc.want)
		}
	}
}
