package provenance

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeProc is one process of a fake /proc tree.
type fakeProc struct {
	pid, ppid int32
	comm      string
	tty       int
	cgroup    string
	env       []string
	exe       string // what /proc/PID/exe points at; "" for none
	root      string // what /proc/PID/root points at
}

func (p fakeProc) write(t *testing.T, proc string) {
	t.Helper()
	dir := filepath.Join(proc, strconv.Itoa(int(p.pid)))
	// Fields 3 to 22 of stat(5); starttime last.
	write(t, filepath.Join(dir, "stat"), fmt.Sprintf("%d (%s) S %d %d %d %d -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0\n",
		p.pid, p.comm, p.ppid, p.pid, p.pid, p.tty, 1000+p.pid))
	write(t, filepath.Join(dir, "cgroup"), "0::"+p.cgroup+"\n")
	write(t, filepath.Join(dir, "environ"), strings.Join(p.env, "\x00")+"\x00")
	if p.exe != "" {
		if err := os.Symlink(p.exe, filepath.Join(dir, "exe")); err != nil {
			t.Fatal(err)
		}
	}
	if p.root != "" {
		if err := os.Symlink(p.root, filepath.Join(dir, "root")); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFakeProcProcesses(t *testing.T) {
	root := fakeRoot(t)
	proc := t.TempDir()
	sandbox := t.TempDir()
	write(t, filepath.Join(sandbox, ".flatpak-info"), "[Application]\nname=org.example.Chat\nruntime=runtime/org.gnome.Platform/x86_64/46\n\n[Instance]\nbranch=stable\n")
	write(t, filepath.Join(sandbox, "app/bin/chat"), "chat\n")
	mount := t.TempDir()
	write(t, filepath.Join(mount, "usr/bin/tool"), "tool\n")
	const user = "/user.slice/user-1000.slice/user@1000.service/app.slice/"
	for _, p := range []fakeProc{
		{pid: 1, comm: "systemd", cgroup: "/init.scope"},
		{pid: 200, ppid: 1, comm: "bash", tty: 34816, exe: "/bin/bash", root: "/",
			cgroup: user + "app-org.gnome.Terminal.slice/vte-spawn-1.scope"},
		{pid: 300, ppid: 200, comm: "tool", exe: filepath.Join(root, "usr/bin/tool"), root: "/",
			cgroup: user + "app-org.gnome.Terminal.slice/vte-spawn-1.scope"},
		{pid: 400, ppid: 1, comm: "chat", exe: filepath.Join(sandbox, "app/bin/chat"), root: sandbox,
			cgroup: user + "app-flatpak-org.example.Chat-77.scope"},
		{pid: 500, ppid: 1, comm: "tool", exe: filepath.Join(mount, "usr/bin/tool"), root: "/",
			env:    []string{"APPIMAGE=/home/user/Tool.AppImage", "APPDIR=/tmp/.mount_Tool1", "LANG=C"},
			cgroup: user + "app-gnome-tool-9.scope"},
		{pid: 600, ppid: 1, comm: "hello", exe: filepath.Join(root, "usr/bin/hello"), root: "/",
			cgroup: user + `app-hello\x2dtray@autostart.service`},
		{pid: 700, ppid: 1, comm: "hello", exe: filepath.Join(root, "usr/bin/hello"), root: "/",
			cgroup: "/system.slice/docker-4f3c9a1b2d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8.scope"},
	} {
		p.write(t, proc)
	}
	t.Setenv("LANG", "en_US.UTF-8")
	r := NewResolver(Options{Root: root, Home: filepath.Join(root, "home/user"), ProcRoot: proc})
	etc := filepath.Join(root, "etc/xdg/autostart")

	o := r.Lookup(300, "/usr/bin/tool", 0, 0)
	if !o.Terminal || !slices.Equal(o.Parents, []string{"bash", "systemd"}) || o.UnitScope != "user" || o.AppName != "Tool" {
		t.Errorf("program in a terminal: %+v", o)
	}
	if o.Package != "tool-diverter" || o.Integrity != IntegrityMatch || o.Autostart != "" {
		t.Errorf("program in a terminal, package: %+v", o)
	}

	o = r.Lookup(400, "/app/bin/chat", 0, 0)
	if o.Manager != "flatpak" || o.AppID != "org.example.Chat" || o.AppName != "Example Chat" || o.Terminal {
		t.Errorf("flatpak sandbox: %+v", o)
	}

	o = r.Lookup(500, "/tmp/.mount_Tool1/usr/bin/tool", 0, 0)
	if o.Manager != "appimage" || o.AppImage != "/home/user/Tool.AppImage" || o.Unit != "app-gnome-tool-9.scope" {
		t.Errorf("AppImage: %+v", o)
	}

	o = r.Lookup(600, "/usr/bin/hello", 0, 0)
	if o.Autostart != filepath.Join(etc, "hello-tray.desktop") || o.Package != "hello" || o.AppName != "Hello World" {
		t.Errorf("autostarted: %+v", o)
	}

	o = r.Lookup(700, "/usr/bin/hello", 0, 0)
	if o.Container == nil || o.Container.Engine != "docker" || o.UnitScope != "system" {
		t.Errorf("container: %+v", o)
	}
	// Not autostarted by its unit, but its program has an autostart entry.
	if o.Autostart != filepath.Join(etc, "hello-tray.desktop") {
		t.Errorf("autostart by program: %q", o.Autostart)
	}

	// A cached answer is a copy: changing it changes nothing inside.
	o = r.Lookup(300, "/usr/bin/tool", 0, 0)
	o.Parents[0] = "changed"
	if again := r.Lookup(300, "/usr/bin/tool", 0, 0); again.Parents[0] != "bash" {
		t.Errorf("cache shared with a caller: %q", again.Parents)
	}
}
