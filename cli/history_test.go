package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
)

// historyFixture writes a small real history: nginx on 80, then an alert
// and an owner change on 5173.
func historyFixture(t *testing.T) string {
	t.Helper()
	at := time.Now().Add(-time.Hour)
	mk := func(port uint16, exe string, pid int32) monitor.Listener {
		return monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: port, Exposure: monitor.Network,
			Process: monitor.Process{PID: pid, Exe: exe, User: "ann"}}
	}
	node, x := mk(5173, "/usr/bin/node", 10), mk(5173, "/tmp/x", 11)
	path, s := recordedHistory(t, []monitor.Event{
		{Kind: monitor.Opened, Time: at, Listener: mk(80, "/usr/sbin/nginx", 1)},
		{Kind: monitor.Opened, Time: at.Add(time.Minute), Listener: node},
		{Kind: monitor.OwnerChanged, Time: at.Add(2 * time.Minute), Listener: x, Previous: &node},
	})
	ctx := context.Background()
	id, err := s.RecordAlert(ctx, at.Add(3*time.Minute), x, []string{"5173/tcp is usually /usr/bin/node, now /tmp/x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAlertAction(ctx, id, history.ActionDismissed); err != nil {
		t.Fatal(err)
	}
	return path
}

// recordedHistory records events in a new history file through a real
// recorder, and returns the file's path and its store, open until the test
// ends.
func recordedHistory(t *testing.T, events []monitor.Event) (string, *history.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	ctx := context.Background()
	s, err := history.Open(ctx, history.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r, err := history.StartRecorder(ctx, s, history.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.Record(events)
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	return path, s
}

func runHistoryArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), "history", Env{Args: args, Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

func TestHistoryCommandTable(t *testing.T) {
	db := historyFixture(t)
	out, _, err := runHistoryArgs(t, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 5 || !strings.HasPrefix(rows[0], "TIME") {
		t.Fatalf("table:\n%s", out)
	}
	for i, want := range []string{"opened 80/tcp", "opened 5173/tcp", "owner_changed 5173/tcp", "alert 5173/tcp"} {
		// Fields: date, time, event, port/proto, ...
		if f := strings.Fields(rows[i+1]); len(f) < 4 || f[2]+" "+f[3] != want {
			t.Errorf("row %d %q: want %q", i+1, rows[i+1], want)
		}
	}
	if !strings.Contains(rows[3], "was /usr/bin/node") || !strings.Contains(rows[4], "(dismissed)") {
		t.Errorf("details missing:\n%s", out)
	}

	out, _, err = runHistoryArgs(t, "--db", db, "--port", "80")
	if err != nil || strings.Count(strings.TrimSpace(out), "\n") != 1 || !strings.Contains(out, "nginx") {
		t.Errorf("--port 80: %v\n%s", err, out)
	}
	out, _, _ = runHistoryArgs(t, "--db", db, "--exe", "/nowhere")
	if !strings.Contains(out, "No matching events") {
		t.Errorf("no match: %q", out)
	}
}

func TestHistoryCommandJSON(t *testing.T) {
	db := historyFixture(t)
	out, _, err := runHistoryArgs(t, "--db", db, "--json", "--port", "5173", "--proto", "TCP", "--since", "1d", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the last 2 events, got:\n%s", out)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"time", "host", "event", "proto", "port", "address", "exe", "user", "pid", "reasons"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON line lacks %q: %s", k, lines[1])
		}
	}
	if m["event"] != "alert" || m["action"] != "dismissed" || m["port"] != float64(5173) {
		t.Errorf("last line: %s", lines[1])
	}
}

func TestHistoryCommandBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--port", "70000"}, {"--proto", "dccp"}, {"--limit", "0"}, {"--since", "yesterday"},
		{"--nope"}, {"extra"},
	} {
		_, _, err := runHistoryArgs(t, append([]string{"--db", filepath.Join(t.TempDir(), "h.db")}, args...)...)
		if !errors.Is(err, ErrUsage) {
			t.Errorf("%q: %v, want ErrUsage", args, err)
		}
	}
}

// TestHistoryCommandNamespaces: 8080 held on the host, in a container and
// in a bare namespace; the table says where, and JSON names the namespace
// and container of the inner two only.
func TestHistoryCommandNamespaces(t *testing.T) {
	at := time.Now().Add(-time.Hour)
	mk := func(pid int32, ns uint64, c *monitor.Container) monitor.Listener {
		return monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 8080, Exposure: monitor.Network,
			Namespace: monitor.Namespace{ID: ns, Host: ns == 0}, Container: c,
			Process: monitor.Process{PID: pid, Exe: "/usr/bin/app", User: "ann"}}
	}
	path, _ := recordedHistory(t, []monitor.Event{
		{Kind: monitor.Opened, Time: at, Listener: mk(1, 0, nil)},
		{Kind: monitor.Opened, Time: at.Add(time.Minute), Listener: mk(2, 4026532401,
			&monitor.Container{Engine: "docker", ID: "0123456789abcdef", Name: "web\u202eexe.txt"})},
		{Kind: monitor.Opened, Time: at.Add(2 * time.Minute), Listener: mk(3, 4026532402, nil)},
	})

	out, _, err := runHistoryArgs(t, "--db", path)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) != 4 || strings.Contains(rows[1], " in ") || !strings.Contains(rows[2], "in container web") ||
		!strings.Contains(rows[2], "(docker)") || strings.Contains(out, "\u202e") ||
		!strings.Contains(rows[3], "in namespace net:[4026532402]") {
		t.Errorf("table:\n%s", out)
	}

	out, _, err = runHistoryArgs(t, "--db", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("JSON:\n%s", out)
	}
	var m [3]map[string]any
	for i := range lines {
		if err := json.Unmarshal([]byte(lines[i]), &m[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := m[0]["namespace"]; ok || m[0]["container"] != nil {
		t.Errorf("host line: %s", lines[0])
	}
	c, _ := m[1]["container"].(map[string]any)
	if m[1]["namespace"] != float64(4026532401) || c["engine"] != "docker" || c["id"] != "0123456789abcdef" {
		t.Errorf("container line: %s", lines[1])
	}
	if m[2]["namespace"] != float64(4026532402) || m[2]["container"] != nil {
		t.Errorf("namespace line: %s", lines[2])
	}
}
