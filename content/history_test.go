package content

import (
	"errors"
	"strings"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
)

func TestParseHistoryPort(t *testing.T) {
	for _, tc := range []struct {
		in    string
		port  uint16
		proto monitor.Proto
		ok    bool
	}{
		{"", 0, "", true},
		{"  ", 0, "", true},
		{"5432", 5432, "", true},
		{"53/udp", 53, monitor.UDP, true},
		{" 22 / TCP", 22, monitor.TCP, true},
		{"70000", 0, "", false},
		{"ssh", 0, "", false},
		{"53/icmp", 0, "", false},
	} {
		port, proto, err := ParseHistoryPort(tc.in)
		if (err == nil) != tc.ok || port != tc.port || proto != tc.proto {
			t.Errorf("ParseHistoryPort(%q) = %d %q %v; want %d %q ok=%v", tc.in, port, proto, err, tc.port, tc.proto, tc.ok)
		}
	}
}

func TestParseHistorySince(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{SinceAll, time.Time{}, true},
		{"last HOUR", now.Add(-time.Hour), true},
		{SinceDay, now.Add(-24 * time.Hour), true},
		{SinceWeek, now.AddDate(0, 0, -7), true},
		{SinceMonth, now.AddDate(0, 0, -30), true},
		{"7d", now.AddDate(0, 0, -7), true},
		{"90m", now.Add(-90 * time.Minute), true},
		{"2026-11-17", time.Date(2026, 11, 17, 0, 0, 0, 0, time.Local), true},
		{"yesterday", time.Time{}, false},
		{"\x1b[31mred", time.Time{}, false},
	} {
		got, err := ParseHistorySince(tc.in, now)
		if (err == nil) != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseHistorySince(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("error for %q carries an escape: %q", tc.in, err)
		}
	}
}

func TestHistoryFilterSearch(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s, err := HistoryFilter{Port: "53/udp", App: " node ", Since: "7d"}.Search(now, 500)
	if err != nil {
		t.Fatal(err)
	}
	want := history.Query{Port: 53, Proto: monitor.UDP, Since: now.AddDate(0, 0, -7), Limit: 500}
	if s.Query != want || s.App != "node" {
		t.Errorf("Search = %+v, want %+v app node", s, want)
	}
	if _, err := (HistoryFilter{Port: "x"}).Search(now, 500); err == nil || !strings.HasPrefix(err.Error(), "port: ") {
		t.Errorf("bad port: %v", err)
	}
	if _, err := (HistoryFilter{Since: "soon"}).Search(now, 500); err == nil || !strings.HasPrefix(err.Error(), "time: ") {
		t.Errorf("bad time: %v", err)
	}
}

func TestMatchAppAndPath(t *testing.T) {
	if !MatchApp("/usr/lib/postgresql/15/bin/postgres", "PostGres") || MatchApp("/usr/bin/node", "python") {
		t.Error("MatchApp")
	}
	if !LooksLikePath("/usr/bin/node") || LooksLikePath("node") {
		t.Error("LooksLikePath")
	}
}

func TestHistoryRows(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 30, 5, 0, time.UTC)
	lines := []history.Line{
		{Time: at, Event: "opened", Proto: monitor.TCP, Port: 5432, Address: "127.0.0.1", Exe: "/usr/bin/postgres", User: "postgres", PID: 77, Reasons: []string{}},
		{Time: at.Add(time.Minute), Event: "owner_changed", Proto: monitor.TCP, Port: 5432, Address: "0.0.0.0", Exe: "/tmp/x\u202e\x1b[2J", User: "eve", PID: 666, PreviousExe: "/usr/bin/postgres"},
		{Time: at.Add(2 * time.Minute), Event: history.EventAlert, Alert: true, Proto: monitor.UDP, Port: 53, Address: "::", Exe: "", PID: 0,
			Reasons: []string{"reachable from the network", "5432/tcp is usually /usr/bin/postgres, now /tmp/x"}, Action: "dismissed"},
	}
	rows := HistoryRows(lines)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	// Newest first.
	alert, changed, opened := rows[0], rows[1], rows[2]
	if got := opened.Cells; got[HColTime] != at.Local().Format(HistoryTimeFormat) || got[HColEvent] != "opened" ||
		got[HColPort] != "5432/tcp" || got[HColPID] != "77" || got[HColUser] != "postgres" || got[HColDetail] != "-" {
		t.Errorf("opened row %q", got)
	}
	if changed.Cells[HColExe] != "/tmp/x" || changed.Cells[HColEvent] != "owner changed" || changed.Cells[HColDetail] != "was /usr/bin/postgres" {
		t.Errorf("owner changed row %q", changed.Cells)
	}
	if !alert.Alert || alert.Cells[HColPID] != "-" || alert.Cells[HColExe] != "-" || alert.Proto != "udp" || alert.PID != 0 ||
		alert.Cells[HColDetail] != "reachable from the network; 5432/tcp is usually /usr/bin/postgres, now /tmp/x (dismissed)" {
		t.Errorf("alert row %+v", alert)
	}
	if opened.Port != 5432 || opened.Proto != "tcp" || opened.PID != 77 || opened.Alert {
		t.Errorf("opened row target %+v", opened)
	}

	inner := HistoryRows([]history.Line{
		{Time: at, Event: "opened", Proto: monitor.TCP, Port: 80, Namespace: 4026532401,
			Container: &monitor.Container{Engine: "docker", Name: "web\u202e"}},
		{Time: at, Event: "closed", Proto: monitor.TCP, Port: 80, Namespace: 4026532402},
	})
	if d := inner[1].Cells[HColDetail]; d != "in container web (docker)" {
		t.Errorf("container row detail %q", d)
	}
	if d := inner[0].Cells[HColDetail]; d != "in namespace net:[4026532402]" {
		t.Errorf("namespace row detail %q", d)
	}
}

func TestHistoryStatus(t *testing.T) {
	for _, tc := range []struct {
		shown, scanned int
		filtered       bool
		want           string
	}{
		{0, 0, false, "No events recorded yet."},
		{0, 0, true, "No matching events."},
		{1, 0, true, "1 matching event."},
		{12, 0, false, "12 matching events, newest first."},
		{500, 0, false, "Showing the latest 500 matching events"},
		{3, 5000, true, "3 matching events, newest first. A partial program name is matched among the latest 5000 events"},
	} {
		got := HistoryStatus(tc.shown, 500, tc.scanned, tc.filtered)
		if !strings.HasPrefix(got, tc.want) || strings.Contains(got, "Click a row") != (tc.shown > 0) {
			t.Errorf("HistoryStatus(%d, %d, %v) = %q, want prefix %q", tc.shown, tc.scanned, tc.filtered, got, tc.want)
		}
	}
}

func TestAppPortsAndLines(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 2, 0, 0, time.Local)
	ev := func(kind string, port uint16, proto monitor.Proto, d time.Duration) history.Line {
		return history.Line{Time: at.Add(d), Event: kind, Port: port, Proto: proto, Exe: "/usr/bin/node"}
	}
	lines := []history.Line{
		ev("opened", 3000, monitor.TCP, 0), ev("closed", 3000, monitor.TCP, time.Minute),
		ev("opened", 3000, monitor.TCP, time.Hour), ev(history.EventAlert, 3000, monitor.TCP, time.Hour),
		ev("opened", 5173, monitor.TCP, 2*time.Hour), // the port explained: left out
		ev("opened", 9229, monitor.TCP, 30*time.Minute),
	}
	ports := AppPorts(lines, 5173, "tcp")
	if len(ports) != 2 || ports[0].Port != 3000 || ports[0].Times != 2 || ports[0].Alerts != 1 || !ports[0].Last.Equal(at.Add(time.Hour)) ||
		ports[1].Port != 9229 || ports[1].Times != 1 {
		t.Fatalf("AppPorts = %+v", ports)
	}
	got := AppBeforeLines(AppBeforeInput{HasHistory: true, Listening: true, Apps: []AppPast{{Exe: "/usr/bin/node", Ports: ports}, {Exe: "/opt/x\u202e"}}})
	want := []string{"/usr/bin/node also listened on:", "  3000/tcp: 2 times, last 2026-11-20 11:02, 1 alert", "  9229/tcp: once, last 2026-11-20 10:32",
		"/opt/x has not listened on any other port in the history."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("AppBeforeLines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		in   AppBeforeInput
		want string
	}{
		{AppBeforeInput{}, "History not recorded yet."},
		{AppBeforeInput{HasHistory: true}, "No program with a known path listens here now."},
		{AppBeforeInput{HasHistory: true, Listening: true, Pending: true}, "Looking…"},
		{AppBeforeInput{HasHistory: true, Listening: true, Err: errors.New("db\nlocked")}, "Could not read the history: db locked"},
	} {
		if got := AppBeforeLines(tc.in); len(got) != 1 || got[0] != tc.want {
			t.Errorf("AppBeforeLines(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	many := make([]AppPort, 11)
	for i := range many {
		many[i] = AppPort{Port: uint16(8000 + i), Proto: "tcp", Times: 1, Last: at}
	}
	got = AppBeforeLines(AppBeforeInput{HasHistory: true, Listening: true, Apps: []AppPast{{Exe: "/usr/bin/node", Ports: many}}})
	if len(got) != 1+maxAppPorts+1 || got[len(got)-1] != "  and 3 more ports (see History)." {
		t.Errorf("bounded lines: %q", got)
	}
}

func TestWithSection(t *testing.T) {
	secs := Explain(Input{Port: 22, Proto: "tcp"}).Sections
	s := AppBeforeSection(AppBeforeInput{})
	out := WithSection(secs, KeyBefore, s)
	var keys []string
	for _, x := range out {
		keys = append(keys, x.Key)
	}
	if got := strings.Join(keys, ","); got != "worry,what,range,uses,now,before,app_before,check,matters" {
		t.Errorf("sections %s", got)
	}
	if out := WithSection(nil, KeyBefore, s); len(out) != 1 || out[0].Key != KeyAppBefore {
		t.Errorf("no anchor: %+v", out)
	}
}
