package ui

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
)

// TestHistoryWindowUnderXvfb runs `portlight ui history` for real on a
// virtual screen, over a history database recorded beforehand in
// PORTLIGHT_HOME: the window lists the events (a click on the newest opens
// its port's explainer), `ui history --port N` is handed to it, and Esc
// closes everything.
func TestHistoryWindowUnderXvfb(t *testing.T) {
	if os.Getenv("PORTLIGHT_UI_HISTORY_INSIDE") == "1" {
		historyInside(t)
		return
	}
	for tool, pkg := range map[string]string{"xvfb-run": "xvfb", "dbus-run-session": "dbus", "xdotool": "xdotool", "import": "imagemagick", "xauth": "xauth"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs %s (apt-get install %s)", tool, pkg)
		}
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--",
		os.Args[0], "-test.run=^TestHistoryWindowUnderXvfb$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "PORTLIGHT_UI_HISTORY_INSIDE=1", "PORTLIGHT_HOME="+home, "LANG=en_US.UTF-8",
		"PORTLIGHT_ARTIFACTS="+artifacts(t))
	out, err := cmd.CombinedOutput()
	t.Logf("inside Xvfb:\n%s", out)
	if err != nil {
		t.Fatalf("xvfb-run: %v", err)
	}
}

// seedHistory records two listeners in the default history database (under
// PORTLIGHT_HOME): postgres two days ago, dnsmasq on 53/udp a minute ago.
func seedHistory(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	s, err := history.Open(ctx, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := history.StartRecorder(ctx, s, history.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	pg := monitor.Listener{Proto: monitor.TCP, Family: monitor.IPv4, Address: "127.0.0.1", Port: 5432, Exposure: monitor.Loopback,
		Process: monitor.Process{PID: 100, Exe: "/usr/lib/postgresql/15/bin/postgres", Name: "postgres", User: "postgres"}}
	dns := monitor.Listener{Proto: monitor.UDP, Family: monitor.IPv4, Address: "127.0.0.1", Port: 53, Exposure: monitor.Loopback,
		Process: monitor.Process{PID: 300, Exe: "/usr/sbin/dnsmasq", Name: "dnsmasq", User: "nobody"}}
	rec.Record([]monitor.Event{{Kind: monitor.Opened, Time: now.Add(-48 * time.Hour), Listener: pg}})
	rec.Record([]monitor.Event{{Kind: monitor.Closed, Time: now.Add(-47 * time.Hour), Listener: pg}})
	rec.Record([]monitor.Event{{Kind: monitor.Opened, Time: now.Add(-time.Minute), Listener: dns}})
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

func historyInside(t *testing.T) {
	seedHistory(t)
	first := child(t, "history")
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	defer func() { _ = first.Process.Kill() }()
	win := waitWindow(t, "History — Portlight", 30*time.Second)
	time.Sleep(time.Second) // the first query
	screenshot(t, "ui-smoke-history.png")

	// The newest event is dnsmasq on 53/udp: clicking its row opens that
	// port's explainer, so the rows came from the database.
	x, y := windowOrigin(t, win)
	click(t, x+300, y+97) // first data row, under the search row and the header
	waitWindow(t, "Port 53/udp — Portlight", 10*time.Second)

	// `ui history --port 5432` is handed to the running process.
	if err := child(t, "history", "--port", "5432").Wait(); err != nil {
		t.Fatalf("second history request: %v", err)
	}
	waitCount(t, 2)
	time.Sleep(time.Second)
	screenshot(t, "ui-smoke-history-5432.png")

	for {
		ids := portlightWindows()
		if len(ids) == 0 {
			break
		}
		pressEscape(t, ids[0])
		waitCount(t, len(ids)-1)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("window process exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = first.Process.Signal(syscall.SIGQUIT)
		t.Fatal("window process still running after its last window closed")
	}
}
