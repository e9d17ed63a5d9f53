package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// waitExit waits for cmd to exit within d and returns its error.
func waitExit(t testing.TB, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s still running after %v", cmd.Path, d)
		return nil
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestNoSessionBus: with no session bus the resident keeps monitoring
// without tray or notifications, connects to no bus of its own making
// (godbus would autolaunch one with dbus-launch), and ends cleanly on
// SIGTERM.
func TestNoSessionBus(t *testing.T) {
	dir := artifacts(t)
	bin := portlight(t)
	f, err := os.Create(filepath.Join(dir, "portlight-nobus.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(dropEnv(os.Environ(), "DBUS_SESSION_BUS_ADDRESS"), "PORTLIGHT_HOME="+t.TempDir(), "LANG=en_US.UTF-8")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := syscall.Kill(cmd.Process.Pid, 0); err != nil {
		t.Fatalf("portlight died without a session bus: %v", err)
	}
	// No bus connection at all: a unix socket of portlight would be one
	// to a bus that godbus autolaunched (dbus-launch), which nobody reads.
	out, err := exec.Command("ss", "-xp").CombinedOutput()
	if err != nil {
		t.Fatalf("ss -xp: %v\n%s", err, out)
	}
	if needle := fmt.Sprintf("pid=%d,", cmd.Process.Pid); strings.Contains(string(out), needle) {
		t.Errorf("portlight holds a unix socket without a session bus (autolaunched bus?):\n%s", grepLines(string(out), needle))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitExit(t, cmd, 5*time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	log, _ := os.ReadFile(f.Name())
	if !strings.Contains(string(log), "no session bus") {
		t.Errorf("log does not say why there is no tray:\n%s", log)
	}
}

// TestSecondInstance: a second `portlight` while one runs hands over (it
// opens the running session's listeners window) and exits, leaving the
// first one running.
func TestSecondInstance(t *testing.T) {
	dir := artifacts(t)
	conn := sessionBus(t)
	desktop(t, conn, dir, "no notification shown")
	home := t.TempDir()
	// Not the first run: the hand-over opens the home, not the welcome
	// (TestNoTray covers the welcome).
	if err := os.WriteFile(filepath.Join(home, "welcomed"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	first := startPortlight(t, dir, home)
	if !waitFor(10*time.Second, func() bool { return registeredBy(conn, first.Process.Pid) }) {
		t.Fatal("first instance's tray not registered")
	}
	out, err := os.Create(filepath.Join(dir, "portlight-second.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	second := exec.Command(portlight(t))
	second.Stdout, second.Stderr = out, out
	second.Env = append(os.Environ(), "PORTLIGHT_HOME="+home, "LANG=en_US.UTF-8")
	started := time.Now()
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(t, second, 10*time.Second); err != nil {
		t.Errorf("second instance: %v", err)
	}
	t.Logf("second instance handed over and exited in %v", time.Since(started).Round(time.Millisecond))
	if err := syscall.Kill(first.Process.Pid, 0); err != nil {
		t.Fatal("the first instance died")
	}
	if hasOwner(conn, fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", second.Process.Pid)) {
		t.Error("the second instance put up a tray icon of its own")
	}
	log, _ := os.ReadFile(out.Name())
	if !strings.Contains(string(log), "already running") {
		t.Errorf("second instance's log:\n%s", log)
	}
	// The hand-over shows the running session's listeners window.
	title := "Listening ports — Portlight"
	var win string
	if !waitFor(20*time.Second, func() bool {
		wins, _ := xdotool("search", "--onlyvisible", "--name", "^Listening ports")
		for _, w := range wins {
			if netWMName(w) == title {
				win = w
				return true
			}
		}
		return false
	}) {
		t.Errorf("no %q window after the hand-over", title)
	} else {
		time.Sleep(time.Second)
		screenshot(t, filepath.Join(dir, "listeners.png"))
	}
	// Close the window process before the test's home folder goes.
	closeWindowProcess(win)
}

// closeWindowProcess ends the process that owns an X window (a Portlight
// window process) and waits up to 5 s for it to go.
func closeWindowProcess(win string) {
	if win == "" {
		return
	}
	pids, _ := xdotool("getwindowpid", win)
	if len(pids) != 1 {
		return
	}
	p, err := strconv.Atoi(pids[0])
	if err != nil {
		return
	}
	syscall.Kill(p, syscall.SIGTERM)
	waitFor(5*time.Second, func() bool { return syscall.Kill(p, 0) != nil })
}

// TestLateDaemons: the tray host and the notification daemon start after
// Portlight. The alert raised meanwhile is kept, the tray registers when
// the watcher appears, and the notification is shown when dunst appears.
func TestLateDaemons(t *testing.T) {
	testrig.RequireTool(t, "status-notifier-watcher", "dunst")
	dir := artifacts(t)
	conn := sessionBus(t)
	port := unassignedPort(t, 28100)
	portName := fmt.Sprintf("%d/tcp", port)
	notes := watchNotify(t)
	app := startPortlight(t, dir, t.TempDir())
	pid := app.Process.Pid
	// Let the first scan (the baseline) pass: the port must be news. With
	// no tray host there is no menu to watch: the log says it.
	logPath := filepath.Join(dir, "portlight.log")
	if !waitFor(10*time.Second, func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), "notification not shown") // the baseline's
	}) {
		t.Fatal("no first scan within 10 s")
	}
	helper, _ := listenProcess(t, port)
	defer stop(helper)
	time.Sleep(2 * interval)
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatal("portlight died with no tray host and no notification daemon")
	}
	// The alert is already known: Notify calls that failed (no daemon) may
	// have been seen on the bus, but none reached a daemon.
	started := time.Now()
	desktop(t, conn, dir, " "+portName)
	if !waitFor(5*time.Second, func() bool { return registeredBy(conn, pid) }) {
		t.Fatal("tray not registered within 5 s of the watcher starting")
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case n := <-notes:
			if strings.Contains(n.summary, portName) && n.at.After(started) {
				t.Logf("kept alert shown %v after the daemons started", n.at.Sub(started).Round(time.Millisecond))
				return
			}
		case <-deadline:
			t.Fatalf("the alert for %s was not shown within 5 s of dunst starting", portName)
		}
	}
}
