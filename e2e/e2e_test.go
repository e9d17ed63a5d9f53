package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"portlight/history"
	"portlight/internal/testrig"
	"portlight/monitor"
)

// interval is the resident's scan interval.
const interval = time.Second

// TestDesktop is the whole story on a virtual desktop: the tray registers
// and lists a listener, a helper binds an unassigned port, a notification
// naming it arrives within two intervals, a real click on it opens the
// explainer for that port, and Portlight holds no inet socket.
func TestDesktop(t *testing.T) {
	testrig.RequireTool(t, "xdotool", "xprop", "import", "convert", "ss")
	dir := artifacts(t)
	conn := sessionBus(t)
	port := unassignedPort(t, 0)
	portName := fmt.Sprintf("%d/tcp", port)
	watcher := desktop(t, conn, dir, " "+portName)
	notes := watchNotify(t)

	// A listener that exists before Portlight starts, reachable from the
	// network and alerting, so that it is listed among the first entries
	// even when other tests open hundreds of local listeners meanwhile.
	before, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", unassignedPort(t, port)))
	if err != nil {
		t.Fatal(err)
	}
	defer before.Close()
	beforePort := before.Addr().(*net.TCPAddr).Port

	home := t.TempDir()
	app := startPortlight(t, dir, home)
	pid := app.Process.Pid

	// 1. The tray registers and its menu lists the listener.
	if !waitFor(10*time.Second, func() bool { return registeredBy(conn, pid) }) {
		entries, err := sniEntries(conn)
		var names []string
		conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names)
		t.Fatalf("tray not registered within 10 s: RegisteredSNIEntries %q (%v); bus names %q", entries, err, names)
	}
	want := fmt.Sprintf("⚠ %d/tcp  e2e.test  · everywhere", beforePort)
	var menu menuItem
	if !waitFor(5*time.Second, func() bool {
		menu = layout(t, conn, pid)
		_, ok := menu.find(want)
		return ok
	}) {
		ln, _ := menu.find("Listening now")
		hidden := 0
		for _, c := range ln.Children {
			if !c.Visible {
				hidden++
			}
		}
		t.Fatalf("menu does not list %q (Listening now has %d items, %d hidden):\n%s", want, len(ln.Children), hidden, menu.render())
	}
	saveMenu(t, dir, "tray-menu-start", menu)

	// 2. A helper process binds an unassigned port on 0.0.0.0.
	helper, bound := listenProcess(t, port)
	defer stop(helper)

	// 3. A notification naming the port arrives within two intervals (and
	// the policy tests' margin for a loaded machine; the latency is logged).
	var note notifyCall
	deadline := time.After(notifyWithin)
wait:
	for {
		select {
		case note = <-notes:
			if strings.Contains(note.summary, portName) {
				break wait
			}
		case <-deadline:
			t.Fatalf("no notification naming %s within %v of binding", portName, notifyWithin)
		}
	}
	latency := note.at.Sub(bound)
	t.Logf("notification %q after %v: %q actions %q", note.summary, latency.Round(time.Millisecond), note.body, note.actions)
	if wantTitle := fmt.Sprintf("e2e.test is listening on unassigned port %s", portName); note.summary != wantTitle {
		t.Errorf("title %q, want %q", note.summary, wantTitle)
	}
	if !strings.Contains(note.body, "eachable from everywhere") || !strings.Contains(note.body, "e2e.test") {
		t.Errorf("body %q lacks the exposure or the executable", note.body)
	}
	if len(note.actions) < 2 || note.actions[0] != "default" {
		t.Errorf("actions %q: no default action", note.actions)
	}
	os.WriteFile(filepath.Join(dir, "notification.txt"),
		fmt.Appendf(nil, "latency %v\nsummary: %s\nbody: %s\nactions: %q\n", latency, note.summary, note.body, note.actions), 0o644)

	// The tray marks the listener and lists the unread alert.
	alertLabel := "⚠ " + portName + "  e2e.test  · everywhere"
	if !waitFor(3*time.Second, func() bool {
		menu = layout(t, conn, pid)
		_, marked := menu.find(alertLabel)
		recent := menu.has(func(l string) bool { return strings.HasPrefix(l, "● ") && strings.Contains(l, portName) })
		return marked && recent
	}) {
		t.Fatalf("menu does not mark %q or list an unread alert:\n%s", alertLabel, menu.render())
	}
	saveMenu(t, dir, "tray-menu-alert", menu)
	saveIcon(t, conn, pid, filepath.Join(dir, "tray-icon-alert.png"))

	// 4. The bubble is on screen; a real mouse click on it opens the explainer.
	var bubble string
	if !waitFor(5*time.Second, func() bool {
		wins, _ := xdotool("search", "--onlyvisible", "--class", "dunst")
		if len(wins) > 0 {
			bubble = wins[0]
		}
		return bubble != ""
	}) {
		t.Fatal("no visible dunst window")
	}
	time.Sleep(300 * time.Millisecond) // let dunst finish drawing
	screenshot(t, filepath.Join(dir, "notification.png"))
	x, y, w, h, err := geometry(bubble)
	if err != nil || w == 0 {
		t.Fatalf("geometry of dunst window %s: %v", bubble, err)
	}
	if _, err := xdotool("mousemove", "--sync", fmt.Sprint(x+w/2), fmt.Sprint(y+h/2), "click", "1"); err != nil {
		t.Fatalf("xdotool click: %v", err)
	}
	clicked := time.Now()

	// Portlight starts `portlight-ui explain PORT/tcp` ...
	logPath := filepath.Join(dir, "portlight.log")
	if !waitFor(5*time.Second, func() bool {
		log, _ := os.ReadFile(logPath)
		return childWithArgs(pid, "portlight-ui", "explain", portName) ||
			strings.Contains(string(log), fmt.Sprintf("args=\"[explain %s]\"", portName))
	}) {
		t.Fatalf("no `portlight-ui explain %s` process within 5 s of the click", portName)
	}
	// ... whose window is titled for the port. xdotool matches WM_NAME,
	// which cannot hold the em dash, so find the window by the title's
	// ASCII start and compare the whole UTF-8 _NET_WM_NAME.
	title := fmt.Sprintf("Port %s — Portlight", portName)
	var win, got string
	if !waitFor(20*time.Second, func() bool {
		wins, _ := xdotool("search", "--onlyvisible", "--name", "^Port "+portName)
		for _, w := range wins {
			if got = netWMName(w); got == title {
				win = w
				return true
			}
		}
		return false
	}) {
		t.Logf("last title seen: %q", got)
		screenshot(t, filepath.Join(dir, "explainer-missing.png"))
		t.Fatalf("no window %q within 20 s of the click", title)
	}
	t.Logf("explainer window %s mapped %v after the click", win, time.Since(clicked).Round(time.Millisecond))
	time.Sleep(time.Second) // let it paint
	screenshot(t, filepath.Join(dir, "explainer.png"))
	defer closeWindowProcess(win)

	// A second window, from the tray menu, goes to the window process
	// already running: the tray is portlight and the window process
	// portlight-ui, two programs, and the hand-over believes its sibling
	// instead of starting another window process in a private folder.
	uis := homeProcs(home, "portlight-ui")
	if len(uis) != 1 {
		t.Fatalf("%d portlight-ui processes after the first window, want 1: %v", len(uis), uis)
	}
	menu = layout(t, conn, pid)
	item, ok := menu.find("Listeners…")
	if !ok {
		t.Fatalf("no Listeners… item:\n%s", menu.render())
	}
	clickItem(t, conn, pid, item.ID)
	var listeners string
	if !waitFor(20*time.Second, func() bool { listeners = visibleWindow("^Listening ports"); return listeners != "" }) {
		screenshot(t, filepath.Join(dir, "listeners-missing.png"))
		t.Fatal("no listeners window within 20 s of clicking Listeners…")
	}
	if owner, _ := xdotool("getwindowpid", listeners); len(owner) != 1 || owner[0] != strconv.Itoa(uis[0]) {
		t.Errorf("the listeners window belongs to pid %q, want the first window process %d", owner, uis[0])
	}
	if now := homeProcs(home, "portlight-ui"); len(now) != 1 || now[0] != uis[0] {
		t.Errorf("portlight-ui processes after the second window: %v, want only %d", now, uis[0])
	}
	if log, _ := os.ReadFile(logPath); strings.Contains(string(log), "not handing over") ||
		strings.Count(string(log), "window process started") != 1 {
		t.Errorf("the second window was not handed over:\n%s", grepLines(string(log), "window process"))
	}

	// The alert is read now: no unread mark on it.
	if !waitFor(3*time.Second, func() bool {
		menu = layout(t, conn, pid)
		return !menu.has(func(l string) bool { return strings.HasPrefix(l, "● ") && strings.Contains(l, portName) })
	}) {
		t.Errorf("alert for %s still unread after the click:\n%s", portName, menu.render())
	}
	saveMenu(t, dir, "tray-menu-read", menu)

	// Listeners that were there when Portlight first started are the
	// baseline, not unread alerts. Other tests running meanwhile may have
	// raised some: "Mark all read", clicked over dbusmenu as a tray host
	// would, clears them, and the badge goes.
	if markAll, ok := menu.find("Mark all read"); ok {
		clickItem(t, conn, pid, markAll.ID)
		if !waitFor(3*time.Second, func() bool {
			menu = layout(t, conn, pid)
			return !menu.has(func(l string) bool { return strings.HasPrefix(l, "● ") })
		}) {
			t.Errorf("unread alerts left after Mark all read:\n%s", menu.render())
		}
	}
	saveIcon(t, conn, pid, filepath.Join(dir, "tray-icon-idle.png"))
	alertIcon, _ := os.ReadFile(filepath.Join(dir, "tray-icon-alert.png"))
	idleIcon, _ := os.ReadFile(filepath.Join(dir, "tray-icon-idle.png"))
	if bytes.Equal(alertIcon, idleIcon) {
		t.Error("the tray icon still shows the unread badge after the alert was read")
	}

	// 5. Portlight itself holds no inet socket.
	assertNoInetSocket(t, pid)

	// 6. The tray comes back after a tray host restart.
	watcher.Process.Kill()
	watcher.Wait()
	start(t, filepath.Join(dir, "watcher2.log"), nil, "status-notifier-watcher")
	restarted := time.Now()
	if !waitFor(5*time.Second, func() bool { return registeredBy(conn, pid) }) {
		t.Errorf("tray not re-registered within 5 s of a watcher restart")
	} else {
		t.Logf("re-registered %v after the watcher restart", time.Since(restarted).Round(time.Millisecond))
	}

	// 7. SIGTERM ends it cleanly.
	app.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- app.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("portlight exited with %v after SIGTERM", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("portlight still running 5 s after SIGTERM")
	}

	// 8. The history it closed on the way out says who held the port.
	hs, err := history.Open(context.Background(), history.Options{Path: filepath.Join(home, history.FileName)})
	if err != nil {
		t.Fatalf("open the history: %v", err)
	}
	defer hs.Close()
	owners, err := hs.Owners(context.Background(), port, monitor.TCP)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) != 1 || filepath.Base(owners[0].Exe) != "e2e.test" {
		t.Errorf("history owners of %s: %+v, want e2e.test", portName, owners)
	}
}

// listenProcess starts the test binary as a helper listening on
// 0.0.0.0:port and returns when it is bound.
func listenProcess(t testing.TB, port uint16) (*exec.Cmd, time.Time) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=0.0.0.0:%d", envListen, port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		stop(cmd)
		t.Fatalf("helper did not bind port %d", port)
	}
	return cmd, time.Now()
}

func stop(cmd *exec.Cmd) {
	if cmd.ProcessState == nil {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
}

// clickItem sends a dbusmenu "clicked" event for item id.
func clickItem(t testing.TB, conn *dbus.Conn, pid int, id int32) {
	t.Helper()
	dest := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	v, err := conn.Object(dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatal(err)
	}
	path, _ := v.Value().(dbus.ObjectPath)
	call := conn.Object(dest, path).Call("com.canonical.dbusmenu.Event", 0, id, "clicked", dbus.MakeVariant(int32(0)), uint32(0))
	if call.Err != nil {
		t.Fatalf("dbusmenu Event clicked %d: %v", id, call.Err)
	}
}

// netWMName returns a window's _NET_WM_NAME.
func netWMName(win string) string {
	out, err := exec.Command("xprop", "-id", win, "-notype", "_NET_WM_NAME").Output()
	if err != nil {
		return ""
	}
	_, v, ok := strings.Cut(strings.TrimSpace(string(out)), " = ")
	if !ok {
		return ""
	}
	return strings.Trim(v, `"`)
}

// childWithArgs reports whether a process whose parent is ppid runs the
// program named prog (the last element of its path) with args at the end
// of its command line.
func childWithArgs(ppid int, prog string, args ...string) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 || f[1] != fmt.Sprint(ppid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		parts := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if len(parts) > len(args) && filepath.Base(parts[0]) == prog &&
			strings.Join(parts[len(parts)-len(args):], " ") == strings.Join(args, " ") {
			return true
		}
	}
	return false
}
