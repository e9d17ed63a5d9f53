package ui

import (
	"bufio"
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

	"portlight/app/handoff"
	"portlight/internal/testrig"
)

// TestMain lets the test binary be the window process itself: with
// PORTLIGHT_UI_CHILD=1 it runs Run(args) like `portlight ui args...`.
func TestMain(m *testing.M) {
	if os.Getenv("PORTLIGHT_UI_CHILD") == "1" {
		if err := Run(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "portlight ui:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestWindowProcessUnderXvfb runs real window processes on a virtual screen:
// the explainer window appears with its exact title, a second request is
// handed to the running process (which stays the only one), screenshots land
// in the artifacts folder, and closing the windows ends the process.
func TestWindowProcessUnderXvfb(t *testing.T) {
	if os.Getenv("PORTLIGHT_UI_SMOKE_INSIDE") == "1" {
		smokeInside(t)
		sigtermInside(t)
		return
	}
	testrig.Desktop(t, desktopTools...)
	home, err := os.MkdirTemp("", "plui")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--",
		os.Args[0], "-test.run=^TestWindowProcessUnderXvfb$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "PORTLIGHT_UI_SMOKE_INSIDE=1", "PORTLIGHT_HOME="+home, "LANG=en_US.UTF-8",
		"PORTLIGHT_ARTIFACTS="+artifacts(t))
	out, err := cmd.CombinedOutput()
	t.Logf("inside Xvfb:\n%s", out)
	if err != nil {
		t.Fatalf("xvfb-run: %v", err)
	}
}

// desktopTools are what a window test under Xvfb runs: the virtual screen,
// a private session bus, xdotool to find and drive windows, and ImageMagick's
// import for screenshots.
var desktopTools = []string{"xvfb-run", "xauth", "dbus-run-session", "xdotool", "import"}

// artifacts returns $PORTLIGHT_ARTIFACTS, or ./artifacts at the repository root.
func artifacts(t *testing.T) string {
	dir := os.Getenv("PORTLIGHT_ARTIFACTS")
	if dir == "" {
		abs, err := filepath.Abs("../../artifacts")
		if err != nil {
			t.Fatal(err)
		}
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// child starts a window process.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// LANG stays en_US.UTF-8 for Fyne; LC_CTYPE names a locale that exists
	// here (Debian's minimal images have only C.UTF-8), or Xlib writes the
	// title's em dash into WM_NAME as nothing and xdotool cannot find it.
	cmd.Env = append(os.Environ(), "PORTLIGHT_UI_CHILD=1", "LC_CTYPE=C.UTF-8")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// waitWindow waits for a visible window with exactly this title and returns its id.
func waitWindow(t *testing.T, title string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, _ := xdotool("search", "--onlyvisible", "--name", "^"+title+"$").Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			return ids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window %q within %v", title, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// xdotool runs xdotool in a UTF-8 locale that exists on the machine: its
// --name regex does not match the title's em dash in the C locale (and
// en_US.UTF-8, which Fyne wants in LANG, is often not generated).
func xdotool(args ...string) *exec.Cmd {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	return cmd
}

func windowPID(t *testing.T, id string) int {
	out, err := xdotool("getwindowpid", id).Output()
	if err != nil {
		t.Fatalf("xdotool getwindowpid %s: %v", id, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return pid
}

func screenshot(t *testing.T, name string) {
	t.Helper()
	path := filepath.Join(os.Getenv("PORTLIGHT_ARTIFACTS"), name)
	if out, err := exec.Command("import", "-window", "root", path).CombinedOutput(); err != nil {
		t.Fatalf("import: %v: %s", err, out)
	}
	t.Logf("screenshot %s", path)
}

// pressEscape focuses the window and presses Esc in it (the explainer and the
// listeners window close on Esc).
func pressEscape(t *testing.T, id string) {
	t.Helper()
	if out, err := xdotool("windowactivate", "--sync", id).CombinedOutput(); err != nil {
		// Without a window manager windowactivate fails; focus directly.
		if out2, err2 := xdotool("windowfocus", "--sync", id).CombinedOutput(); err2 != nil {
			t.Fatalf("focus %s: %v %s / %v %s", id, err, out, err2, out2)
		}
	}
	if out, err := xdotool("key", "Escape").CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v: %s", err, out)
	}
}

// inetSockets returns the inet sockets (tcp, udp, v4 and v6) that process pid holds.
func inetSockets(t *testing.T, pid int) []string {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var found []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 && inodes[fields[9]] {
				found = append(found, table+" "+fields[1])
			}
		}
		f.Close()
	}
	return found
}

func smokeInside(t *testing.T) {
	// A real listener on 5173 (when free) so "Listening now" shows a process.
	if ln, err := net.Listen("tcp", "127.0.0.1:5173"); err == nil {
		defer ln.Close()
	}

	start := time.Now()
	first := child(t, "explain", "5173/tcp")
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	defer func() { _ = first.Process.Kill() }()
	explain := waitWindow(t, "Port 5173/tcp — Portlight", 30*time.Second)
	t.Logf("explainer window after %v", time.Since(start).Round(time.Millisecond))
	if pid := windowPID(t, explain); pid != first.Process.Pid {
		t.Errorf("window belongs to pid %d, want %d", pid, first.Process.Pid)
	}
	time.Sleep(1500 * time.Millisecond) // a scan or two
	screenshot(t, "ui-smoke-explain-5173.png")

	// A second request is handed over: the second process exits 0 quickly,
	// and the window appears in the first process.
	t1 := time.Now()
	second := child(t, "explain", "22/tcp")
	if err := second.Wait(); err != nil {
		t.Fatalf("second window process: %v", err)
	}
	handoffTime := time.Since(t1)
	t.Logf("second process handed over and exited after %v", handoffTime.Round(time.Millisecond))
	if handoffTime > 10*time.Second { // a hang, not a slow machine (the figure is logged)
		t.Errorf("hand-over took %v", handoffTime)
	}
	ssh := waitWindow(t, "Port 22/tcp — Portlight", 10*time.Second)
	if pid := windowPID(t, ssh); pid != first.Process.Pid {
		t.Errorf("22/tcp window belongs to pid %d, want the first process %d", pid, first.Process.Pid)
	}
	third := child(t, "listeners")
	if err := third.Wait(); err != nil {
		t.Fatalf("listeners request: %v", err)
	}
	listeners := waitWindow(t, "Listening ports — Portlight", 10*time.Second)
	time.Sleep(1500 * time.Millisecond)
	screenshot(t, "ui-smoke-listeners.png")

	if socks := inetSockets(t, first.Process.Pid); len(socks) > 0 {
		t.Errorf("the window process holds inet sockets: %v", socks)
	}
	fi, err := os.Stat(handoff.SocketPath())
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("handoff socket %v mode %v", err, fi)
	}

	// Real input in the listeners window: a click on the first row opens
	// its port's explainer; a port typed into "Explain port…" opens its own.
	x, y := windowOrigin(t, listeners)
	before := len(portlightWindows())
	click(t, x+200, y+97) // first data row (header ends at ~80)
	waitCount(t, before+1)
	// Without a window manager a click does not move the keyboard focus.
	if out, err := xdotool("windowfocus", "--sync", listeners).CombinedOutput(); err != nil {
		t.Fatalf("xdotool windowfocus: %v %s", err, out)
	}
	click(t, x+900, y+22) // the "Explain port…" entry, top right
	if out, err := xdotool("type", "--delay", "20", "631/udp").CombinedOutput(); err != nil {
		t.Fatalf("xdotool type: %v %s", err, out)
	}
	if out, err := xdotool("key", "Return").CombinedOutput(); err != nil {
		t.Fatalf("xdotool key: %v %s", err, out)
	}
	waitWindow(t, "Port 631/udp — Portlight", 10*time.Second)
	screenshot(t, "ui-smoke-typed-port.png")

	// Closing windows one by one: the process lives until the last one.
	for {
		ids := portlightWindows()
		if len(ids) == 0 {
			t.Fatal("all windows gone before the last Esc was pressed")
		}
		pressEscape(t, ids[0])
		if len(ids) == 1 {
			break
		}
		waitCount(t, len(ids)-1)
		select {
		case err := <-exited:
			t.Fatalf("window process exited with %d windows still open: %v", len(ids)-1, err)
		case <-time.After(200 * time.Millisecond):
		}
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
	if _, err := os.Stat(handoff.SocketPath()); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

// sigtermInside runs inside Xvfb after smokeInside: a window
// process with two windows open ends cleanly on SIGTERM (a.Quit closes the
// windows, and the last close calls the quit path again).
func sigtermInside(t *testing.T) {
	p := child(t, "explain", "8080/tcp")
	exited := make(chan error, 1)
	go func() { exited <- p.Wait() }()
	defer func() { _ = p.Process.Kill() }()
	waitWindow(t, "Port 8080/tcp — Portlight", 30*time.Second)
	if err := child(t, "listeners").Wait(); err != nil {
		t.Fatal(err)
	}
	waitWindow(t, "Listening ports — Portlight", 10*time.Second)
	_ = p.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = p.Process.Signal(syscall.SIGQUIT)
		t.Fatal("window process still running 10 s after SIGTERM")
	}
}

// portlightWindows lists the visible Portlight windows.
func portlightWindows() []string {
	out, _ := xdotool("search", "--onlyvisible", "--name", " — Portlight$").Output()
	return strings.Fields(string(out))
}

// waitCount waits until n Portlight windows are visible.
func waitCount(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(portlightWindows()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d Portlight windows, want %d", len(portlightWindows()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// windowOrigin returns a window's top-left corner on the screen.
func windowOrigin(t *testing.T, id string) (x, y int) {
	t.Helper()
	out, err := xdotool("getwindowgeometry", "--shell", id).Output()
	if err != nil {
		t.Fatalf("xdotool getwindowgeometry: %v", err)
	}
	for _, line := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(line, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			x = n
		case "Y":
			y = n
		}
	}
	return x, y
}

// click moves the pointer to (x, y) and clicks the left button.
func click(t *testing.T, x, y int) {
	t.Helper()
	if out, err := xdotool("mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1").CombinedOutput(); err != nil {
		t.Fatalf("xdotool click: %v %s", err, out)
	}
}
