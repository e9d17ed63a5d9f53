package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// requireTools fails the test naming the first missing tool.
func requireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("missing tool %s (see scripts/deps.sh)", tool)
		}
	}
}

// artifacts returns the test's folder for screenshots and logs:
// $PORTLIGHT_ARTIFACTS/e2e/<test>, or ../artifacts/e2e/<test> from here.
func artifacts(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PORTLIGHT_ARTIFACTS")
	if base == "" {
		base = filepath.Join("..", "artifacts")
	}
	dir, err := filepath.Abs(filepath.Join(base, "e2e", t.Name()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// start runs a background process with its output in logPath, killed at
// the end of the test.
func start(t testing.TB, logPath string, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		f.Close()
	})
	return cmd
}

// sessionBus connects privately to the test's session bus.
func sessionBus(t testing.TB) *dbus.Conn {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no private session bus: run through TestMain (dbus-run-session)")
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("connect to the session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func hasOwner(conn *dbus.Conn, name string) bool {
	var ok bool
	err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&ok)
	return err == nil && ok
}

func waitName(t testing.TB, conn *dbus.Conn, name string) {
	t.Helper()
	if !waitFor(10*time.Second, func() bool { return hasOwner(conn, name) }) {
		t.Fatalf("%s did not appear on the bus within 10 s", name)
	}
}

// desktop starts the tray host and the notification daemon and waits for
// their bus names. When showOnly is not "", dunst displays only
// notifications whose summary contains it (the others still reach it and
// its history): tests of other packages running at the same time open
// listeners too, and their bubbles must not sit under the test's click.
func desktop(t testing.TB, conn *dbus.Conn, dir, showOnly string) (watcher *exec.Cmd) {
	t.Helper()
	requireTools(t, "status-notifier-watcher", "dunst", "dunstctl")
	// Every bus message, for reading after a failure.
	start(t, filepath.Join(dir, "dbus-monitor.log"), nil, "dbus-monitor", "--session")
	watcher = start(t, filepath.Join(dir, "watcher.log"), nil, "status-notifier-watcher", "--log-level", "DEBUG")
	base, err := os.ReadFile(filepath.Join("testdata", "dunstrc"))
	if err != nil {
		t.Fatal(err)
	}
	if showOnly != "" {
		base = fmt.Appendf(base, "\n[e2e_hide_others]\n    summary = \"*\"\n    skip_display = true\n"+
			"\n[e2e_show_target]\n    summary = \"*%s*\"\n    skip_display = false\n", showOnly)
	}
	cfg := filepath.Join(dir, "dunstrc")
	if err := os.WriteFile(cfg, base, 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, filepath.Join(dir, "dunst.log"), nil, "dunst", "-config", cfg)
	waitName(t, conn, "org.kde.StatusNotifierWatcher")
	waitName(t, conn, "org.freedesktop.Notifications")
	return watcher
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// portlight builds the binary once per test run.
func portlight(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portlight-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "portlight")
		gobin, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("missing tool go: %w", err)
			return
		}
		cmd := exec.Command(gobin, "build", "-o", buildPath, "portlight")
		cmd.Dir = ".."
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// startPortlight starts the resident process with its own PORTLIGHT_HOME.
func startPortlight(t testing.TB, dir, home string) *exec.Cmd {
	t.Helper()
	return start(t, filepath.Join(dir, "portlight.log"),
		[]string{"PORTLIGHT_HOME=" + home, "LANG=en_US.UTF-8"}, portlight(t))
}

// sniEntries returns the services of the watcher's RegisteredSNIEntries,
// an array of (service, path) pairs.
func sniEntries(conn *dbus.Conn) ([]string, error) {
	v, err := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher").
		GetProperty("org.kde.StatusNotifierWatcher.RegisteredSNIEntries")
	if err != nil {
		return nil, err
	}
	pairs, ok := v.Value().([][]any)
	if !ok {
		return nil, fmt.Errorf("RegisteredSNIEntries is %s, not a(ss)", v.Signature())
	}
	var out []string
	for _, p := range pairs {
		if len(p) == 2 {
			s, _ := p[0].(string)
			out = append(out, s)
		}
	}
	return out, nil
}

// registeredBy reports whether an entry of the watcher belongs to pid.
func registeredBy(conn *dbus.Conn, pid int) bool {
	entries, err := sniEntries(conn)
	if err != nil {
		return false
	}
	for _, svc := range entries {
		var p uint32
		if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, svc).Store(&p); err == nil && int(p) == pid {
			return true
		}
	}
	return false
}

// menuItem is one node of a com.canonical.dbusmenu layout.
type menuItem struct {
	ID       int32
	Label    string
	Visible  bool
	Enabled  bool
	Children []menuItem
}

// layout fetches the item's whole menu. fyne.io/systray answers the first
// GetLayout with depth 1 only (a libdbusmenu-gtk workaround), so ask twice.
func layout(t testing.TB, conn *dbus.Conn, pid int) menuItem {
	t.Helper()
	dest := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	v, err := conn.Object(dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatalf("Menu property: %v", err)
	}
	path, _ := v.Value().(dbus.ObjectPath)
	var root menuItem
	for range 2 {
		var rev uint32
		var raw []any
		call := conn.Object(dest, path).Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{})
		if call.Err != nil {
			t.Fatalf("GetLayout: %v", call.Err)
		}
		rev, _ = call.Body[0].(uint32)
		raw, _ = call.Body[1].([]any)
		_ = rev
		root = parseItem(raw)
	}
	return root
}

func parseItem(raw []any) menuItem {
	var m menuItem
	if len(raw) != 3 {
		return m
	}
	m.ID, _ = raw[0].(int32)
	props, _ := raw[1].(map[string]dbus.Variant)
	m.Visible, m.Enabled = true, true
	if p, ok := props["label"]; ok {
		m.Label, _ = p.Value().(string)
	}
	if p, ok := props["visible"]; ok {
		m.Visible, _ = p.Value().(bool)
	}
	if p, ok := props["enabled"]; ok {
		m.Enabled, _ = p.Value().(bool)
	}
	if p, ok := props["type"]; ok && p.Value() == "separator" {
		m.Label = "----"
	}
	children, _ := raw[2].([]dbus.Variant)
	for _, c := range children {
		if sub, ok := c.Value().([]any); ok {
			m.Children = append(m.Children, parseItem(sub))
		}
	}
	return m
}

// render writes the visible menu as indented text.
func (m menuItem) render() string {
	var b strings.Builder
	var walk func(items []menuItem, depth int)
	walk = func(items []menuItem, depth int) {
		for _, c := range items {
			if !c.Visible {
				continue
			}
			mark := ""
			if !c.Enabled {
				mark = " (disabled)"
			}
			if len(c.Children) > 0 {
				mark += "  ▸"
			}
			fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("    ", depth), c.Label, mark)
			walk(c.Children, depth+1)
		}
	}
	walk(m.Children, 0)
	return b.String()
}

// find returns the first visible item whose label contains s.
func (m menuItem) find(s string) (menuItem, bool) {
	for _, c := range m.Children {
		if !c.Visible {
			continue
		}
		if strings.Contains(c.Label, s) {
			return c, true
		}
		if f, ok := c.find(s); ok {
			return f, true
		}
	}
	return menuItem{}, false
}

// has reports whether a visible item's label satisfies match.
func (m menuItem) has(match func(label string) bool) bool {
	for _, c := range m.Children {
		if c.Visible && (match(c.Label) || c.has(match)) {
			return true
		}
	}
	return false
}

// notifyCall is one Notify call seen on the bus.
type notifyCall struct {
	at            time.Time
	summary, body string
	actions       []string
	sender        string
}

// watchNotify eavesdrops on Notify calls with a monitor connection.
func watchNotify(t testing.TB) <-chan notifyCall {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rule := "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"
	if call := conn.BusObject().Call("org.freedesktop.DBus.Monitoring.BecomeMonitor", 0, []string{rule}, uint32(0)); call.Err != nil {
		t.Fatalf("BecomeMonitor: %v", call.Err)
	}
	msgs := make(chan *dbus.Message, 32)
	conn.Eavesdrop(msgs)
	out := make(chan notifyCall, 32)
	go func() {
		for m := range msgs {
			if len(m.Body) < 8 {
				continue
			}
			c := notifyCall{at: time.Now()}
			c.summary, _ = m.Body[3].(string)
			c.body, _ = m.Body[4].(string)
			c.actions, _ = m.Body[5].([]string)
			if s, ok := m.Headers[dbus.FieldSender]; ok {
				c.sender, _ = s.Value().(string)
			}
			out <- c
		}
	}()
	return out
}

// xdotool runs xdotool and returns its output lines.
func xdotool(args ...string) ([]string, error) {
	out, err := exec.Command("xdotool", args...).Output()
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, err
}

// geometry returns a window's position and size.
func geometry(win string) (x, y, w, h int, err error) {
	lines, err := xdotool("getwindowgeometry", "--shell", win)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	vals := map[string]int{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if ok {
			vals[k], _ = strconv.Atoi(v)
		}
	}
	return vals["X"], vals["Y"], vals["WIDTH"], vals["HEIGHT"], nil
}

// screenshot saves the whole virtual screen.
func screenshot(t testing.TB, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "import", "-window", "root", path).CombinedOutput(); err != nil {
		t.Fatalf("import -window root: %v\n%s", err, out)
	}
}
