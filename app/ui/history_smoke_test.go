package ui

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"portlight/history"
	"portlight/internal/testrig"
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
	testrig.Desktop(t, desktopTools...)
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
	x, y := windowOrigin(t, win)
	// The first query's answer is on the screen: three rows, text in the
	// Event column of the first and third (a click before it would hit an
	// empty table).
	waitScreen(t, "the first query's three rows", 30*time.Second, func(img image.Image) bool {
		return rowHasText(img, x, y, 0, 160, 280) && rowHasText(img, x, y, 2, 160, 280) && !rowHasText(img, x, y, 3, 160, 280)
	})
	screenshot(t, "ui-smoke-history.png")

	// The newest event is dnsmasq on 53/udp: clicking its row opens that
	// port's explainer, so the rows came from the database.
	click(t, x+300, y+rowY(0)) // first data row, under the search row and the header
	waitWindow(t, "Port 53/udp — Portlight", 20*time.Second)

	// `ui history --port 5432` is handed to the running process.
	if err := child(t, "history", "--port", "5432").Wait(); err != nil {
		t.Fatalf("second history request: %v", err)
	}
	waitCount(t, 2)
	// The table shows postgres's two events only: in the Program column,
	// right of where the explainer (also at the screen's corner) may cover
	// it, the first row now holds postgres's long path (dnsmasq's is too
	// short to reach there) and the third row is gone.
	waitScreen(t, "the 5432 search's two rows", 30*time.Second, func(img image.Image) bool {
		return rowHasText(img, x, y, 0, 790, 900) && rowHasText(img, x, y, 1, 790, 900) && !rowHasText(img, x, y, 2, 790, 900)
	})
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

// rowY is the middle of the history table's data row n (0-based), from the
// window's top: under the search row and the header, rows 39 units apart
// (Fyne's default theme at scale 1, as under Xvfb here).
func rowY(n int) int { return 96 + 39*n }

// rowHasText tells whether the history window at (wx, wy) shows text in
// data row n between columns x0 and x1 (window coordinates): an empty
// stretch of table is one flat colour, a label's anti-aliased glyphs many.
func rowHasText(img image.Image, wx, wy, n, x0, x1 int) bool {
	colours := map[[3]uint32]bool{}
	cy := wy + rowY(n)
	for py := cy - 7; py <= cy+7; py++ {
		for px := wx + x0; px < wx+x1; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			colours[[3]uint32{r, g, b}] = true
		}
	}
	return len(colours) > 2
}

// waitScreen grabs the virtual screen until cond holds for what it shows,
// saving the last grab as an artifact when it never does.
func waitScreen(t *testing.T, what string, within time.Duration, cond func(image.Image) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := exec.Command("import", "-window", "root", "png:-").Output()
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("decode the screen grab: %v", err)
		}
		if cond(img) {
			return
		}
		if time.Now().After(deadline) {
			screenshot(t, "ui-smoke-history-timeout.png")
			t.Fatalf("the screen never showed %s within %v", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
