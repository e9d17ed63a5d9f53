package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// notifierOnly starts dunst, and no tray host, and waits for its name.
// Only notifications whose summary contains showOnly are displayed.
func notifierOnly(t testing.TB, dir, showOnly string) {
	t.Helper()
	testrig.RequireTool(t, "dunst", "dunstctl")
	conn := sessionBus(t)
	base, err := os.ReadFile(filepath.Join("testdata", "dunstrc"))
	if err != nil {
		t.Fatal(err)
	}
	base = append(base, []byte("\n[e2e_hide_others]\n    summary = \"*\"\n    skip_display = true\n"+
		"\n[e2e_show_target]\n    summary = \"*"+showOnly+"*\"\n    skip_display = false\n")...)
	cfg := filepath.Join(dir, "dunstrc")
	if err := os.WriteFile(cfg, base, 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, filepath.Join(dir, "dunst.log"), nil, "dunst", "-config", cfg)
	waitName(t, conn, "org.freedesktop.Notifications")
}

// readStatus reads the resident's status file for the window process.
func readStatus(home string) (noTray bool, ok bool) {
	b, err := os.ReadFile(filepath.Join(home, "run", "status.json"))
	if err != nil {
		return false, false
	}
	var s struct {
		NoTray bool `json:"no_tray"`
	}
	return s.NoTray, json.Unmarshal(b, &s) == nil
}

// visibleWindow returns the id of the visible window titled name, or "".
func visibleWindow(name string) string {
	ids, _ := xdotool("search", "--onlyvisible", "--name", name)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// TestNoTray: a desktop with a notification daemon and no tray host
// (GNOME without the AppIndicator extension). Portlight says so once, with
// the fix for GNOME and an "Open Portlight" action that opens the welcome
// the first time; no notification speaks of a tray; a second start opens
// the listeners window, not the welcome again; and a tray host that
// appears later gets the icon and clears the no-tray state.
func TestNoTray(t *testing.T) {
	testrig.RequireTool(t, "dunst", "dunstctl", "xdotool", "status-notifier-watcher")
	dir := artifacts(t)
	conn := sessionBus(t)
	notes := recordNotes(t)
	notifierOnly(t, dir, "No tray area")
	home := t.TempDir()
	t.Cleanup(func() { endHome(home) })
	env := []string{"PORTLIGHT_HOME=" + home, "LANG=en_US.UTF-8", "XDG_CURRENT_DESKTOP=ubuntu:GNOME"}
	app := start(t, filepath.Join(dir, "portlight.log"), env, portlight(t))
	pid := app.Process.Pid

	isNoTray := func(n notifyCall) bool { return strings.HasPrefix(n.summary, "No tray area on this desktop") }
	if !waitFor(15*time.Second, func() bool { return len(notes.match(isNoTray)) > 0 }) {
		t.Fatalf("no \"no tray\" notification within 15 s; notifications:\n%s", notes.dump())
	}
	n := notes.match(isNoTray)[0]
	if n.summary != "No tray area on this desktop: Portlight keeps watching and will notify you." {
		t.Errorf("summary %q", n.summary)
	}
	if !strings.Contains(n.body, "install the AppIndicator extension") {
		t.Errorf("body names no fix for GNOME: %q", n.body)
	}
	if !slices.Equal(n.actions, []string{"default", "Open Portlight"}) {
		t.Errorf("actions %q, want [default, Open Portlight]", n.actions)
	}
	// The baseline came first; nothing speaks of a tray.
	time.Sleep(time.Second)
	if bad := notes.match(func(c notifyCall) bool {
		return !isNoTray(c) && strings.Contains(strings.ToLower(c.summary+" "+c.body), "tray")
	}); len(bad) > 0 {
		t.Errorf("notifications worded for a tray that does not exist:\n%s", notes.dump())
	}
	if got := len(notes.match(isNoTray)); got != 1 {
		t.Errorf("%d \"no tray\" notifications, want 1", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "portlight.log")); strings.Contains(string(b), "systray error") {
		t.Errorf("systray's registration error still on stderr:\n%s", grepLines(string(b), "systray error"))
	}
	if noTray, ok := readStatus(home); !ok || !noTray {
		t.Errorf("status file: no_tray=%v ok=%v, want true", noTray, ok)
	}

	// "Open Portlight" on the notification: the welcome, the first time.
	screenshot(t, filepath.Join(dir, "notray-notification.png"))
	if out, err := exec.Command("dunstctl", "action", "0").CombinedOutput(); err != nil {
		t.Fatalf("dunstctl action: %v %s", err, out)
	}
	var win string
	if !waitFor(15*time.Second, func() bool { win = visibleWindow("^Welcome to Portlight"); return win != "" }) {
		t.Fatal("no welcome window within 15 s of \"Open Portlight\"")
	}
	time.Sleep(time.Second)
	screenshot(t, filepath.Join(dir, "notray-welcome.png"))
	if _, err := os.Stat(filepath.Join(home, "welcomed")); err != nil {
		t.Errorf("first run not remembered: %v", err)
	}
	closeWindowProcess(win)

	// Started again from the application menu: the running one's home, now
	// the listeners window; the welcome is not shown twice.
	// (Its output goes to a file: the window process it may start inherits
	// it and outlives it.)
	second := start(t, filepath.Join(dir, "second.log"), env, portlight(t))
	if err := waitExit(t, second, 10*time.Second); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if !waitFor(15*time.Second, func() bool { win = visibleWindow("^Listening ports"); return win != "" }) {
		t.Fatal("no listeners window within 15 s of the second start")
	}
	time.Sleep(1500 * time.Millisecond)
	screenshot(t, filepath.Join(dir, "notray-home.png"))
	if visibleWindow("^Welcome to Portlight") != "" {
		t.Error("the welcome was shown a second time")
	}
	closeWindowProcess(win)

	// A tray host appears: the icon registers and the state clears.
	start(t, filepath.Join(dir, "watcher.log"), nil, "status-notifier-watcher")
	if !waitFor(5*time.Second, func() bool { return registeredBy(conn, pid) }) {
		t.Fatal("tray not registered within 5 s of the watcher starting")
	}
	if !waitFor(5*time.Second, func() bool { noTray, ok := readStatus(home); return ok && !noTray }) {
		t.Error("the no-tray state did not clear when the tray host appeared")
	}
}
