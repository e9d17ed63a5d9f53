package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"portlight/internal/testrig"
	"strings"
	"testing"
	"time"
	"unicode"
)

// hostileName is a file name a hostile program could run under: markup,
// an entity, a right-to-left override, an ANSI escape and a newline.
const hostileName = "<b>&x\u202Egpj.exe\x1b[31m\nnext"

// TestHostileName: a listener whose process is named to confuse the user
// shows escaped and cleaned in the notification and in the tray menu.
func TestHostileName(t *testing.T) {
	dir := artifacts(t)
	conn := sessionBus(t)
	port := unassignedPort(t, 28200)
	portName := fmt.Sprintf("%d/tcp", port)
	desktop(t, conn, dir, " "+portName)
	notes := watchNotify(t)
	app := startPortlight(t, dir, t.TempDir())
	pid := app.Process.Pid
	if !waitFor(10*time.Second, func() bool { return registeredBy(conn, pid) }) {
		t.Fatal("tray not registered")
	}
	waitFirstScan(t, conn, pid)

	// The test binary, copied under the hostile name, listens.
	bin := testrig.CopySelf(t, t.TempDir(), hostileName)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=0.0.0.0:%d", envListen, port))
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stop(cmd)
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
		t.Fatal("hostile helper did not bind")
	}

	var note notifyCall
	deadline := time.After(5 * time.Second)
wait:
	for {
		select {
		case note = <-notes:
			if strings.Contains(note.summary, portName) {
				break wait
			}
		case <-deadline:
			t.Fatalf("no notification for %s", portName)
		}
	}
	t.Logf("summary %q body %q", note.summary, note.body)
	for _, s := range []string{note.summary, note.body} {
		if strings.ContainsAny(s, "\u202E\x1b") {
			t.Errorf("control or bidi character reached the daemon: %q", s)
		}
	}
	if strings.Contains(note.summary, "\n") {
		t.Errorf("newline in the summary: %q", note.summary)
	}
	// dunst announces body-markup: the body must carry entities, no tag.
	if strings.Contains(note.body, "<b>") || !strings.Contains(note.body, "&lt;b&gt;&amp;x") {
		t.Errorf("body not escaped for markup: %q", note.body)
	}

	var menu menuItem
	if !waitFor(3*time.Second, func() bool {
		// The tray updates its items one by one: wait until both the
		// listener and the alert's entries are published.
		menu = layout(t, conn, pid)
		_, ok := menu.find(portName)
		_, unread := menu.find("Mark all read")
		return ok && unread
	}) {
		t.Fatalf("menu does not list %s with its alert:\n%s", portName, menu.render())
	}
	item, _ := menu.find(portName)
	for _, r := range item.Label {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("menu label %q holds %U", item.Label, r)
		}
	}
	saveMenu(t, dir, "tray-menu-hostile", menu)

	// "Mark all read", clicked over dbusmenu as a tray host would.
	markAll, ok := menu.find("Mark all read")
	if !ok {
		t.Fatalf("no Mark all read item:\n%s", menu.render())
	}
	clickItem(t, conn, pid, markAll.ID)
	if !waitFor(3*time.Second, func() bool {
		menu = layout(t, conn, pid)
		return !menu.has(func(l string) bool { return strings.HasPrefix(l, "● ") })
	}) {
		t.Errorf("unread alerts left after Mark all read:\n%s", menu.render())
	}
	time.Sleep(300 * time.Millisecond)
	screenshot(t, filepath.Join(dir, "notification-hostile.png"))
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
