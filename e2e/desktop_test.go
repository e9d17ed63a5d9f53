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
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"portlight/internal/testrig"
)

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
	testrig.RequireTool(t, "status-notifier-watcher", "dunst", "dunstctl")
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

// portlight is the command under test, built once per run.
func portlight(t testing.TB) string { return testrig.Portlight(t) }

// startPortlight starts the resident process with its own PORTLIGHT_HOME.
// At the end of the test every process of that home (window processes
// included) is ended.
func startPortlight(t testing.TB, dir, home string) *exec.Cmd {
	t.Helper()
	t.Cleanup(func() { endHome(home) })
	return start(t, filepath.Join(dir, "portlight.log"),
		[]string{"PORTLIGHT_HOME=" + home, "LANG=en_US.UTF-8"}, portlight(t))
}

// endHome ends the processes whose PORTLIGHT_HOME is home: SIGTERM, up to
// 5 s, then SIGKILL. A window process outlives the virtual screen.
func endHome(home string) {
	pids := homeProcs(home, "")
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGTERM)
	}
	gone := waitFor(5*time.Second, func() bool {
		for _, p := range pids {
			if syscall.Kill(p, 0) == nil {
				if st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p)); !strings.Contains(string(st), ") Z") {
					return false
				}
			}
		}
		return true
	})
	if !gone {
		// A window process whose X server is gone may not honour SIGTERM.
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// homeProcs returns the live processes, other than this one, whose
// PORTLIGHT_HOME is home and, when prog is not "", whose executable is
// named prog.
func homeProcs(home, prog string) []int {
	want := "PORTLIGHT_HOME=" + home
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || !alive(pid) {
			continue
		}
		if prog != "" {
			exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
			if err != nil || filepath.Base(strings.TrimSuffix(exe, " (deleted)")) != prog {
				continue
			}
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if kv == want {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
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
