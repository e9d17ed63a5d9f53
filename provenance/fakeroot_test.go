package provenance

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// fakeRoot copies testdata/root (links included) into a temporary
// directory and adds what cannot be checked in: a multi-arch package,
// whose info files carry a colon that module archives refuse.
func fakeRoot(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("cp", "-a", "testdata/root/.", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy fake root: %v: %s", err, out)
	}
	info := filepath.Join(dir, "var/lib/dpkg/info")
	write(t, filepath.Join(info, "libfoo1:amd64.list"), "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libfoo.so.1\n")
	write(t, filepath.Join(info, "libfoo1:amd64.md5sums"), "7e65df4db6cda11f7a9d4b50df9bcae4  lib/x86_64-linux-gnu/libfoo.so.1\n")
	return dir
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func fakeResolver(t *testing.T, root string) *Resolver {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	return NewResolver(Options{Root: root, Home: filepath.Join(root, "home/user")})
}

func TestFakeRootPackages(t *testing.T) {
	root := fakeRoot(t)
	r := fakeResolver(t, root)
	tests := []struct {
		exe, manager, pkg, version string
		integrity                  Integrity
	}{
		{"/usr/bin/hello", "dpkg", "hello", "2.10-3", IntegrityMatch},
		// listed as /bin/tampered: found through the /usr merge; content differs.
		{"/usr/bin/tampered", "dpkg", "tampered", "1.0", IntegrityMismatch},
		{"/usr/lib/x86_64-linux-gnu/libfoo.so.1", "dpkg", "libfoo1", "1:0.5-2", IntegrityMatch},
		// the diverted original lives at .real; the diverter's file at the path.
		{"/usr/bin/tool.real", "dpkg", "tool", "3.1", IntegrityMatch},
		{"/usr/bin/tool", "dpkg", "tool-diverter", "9", IntegrityMatch},
		// a local diversion: the administrator's own file.
		{"/usr/bin/mine", "", "", "", IntegrityUnknown},
		// no checksum recorded.
		{"/usr/bin/editor", "dpkg", "editor", "7", IntegrityUnknown},
		{"/usr/bin/nothing", "", "", "", IntegrityUnknown},
	}
	for _, tt := range tests {
		o := r.Lookup(0, tt.exe, 0, 0)
		if o.Manager != tt.manager || o.Package != tt.pkg || o.Version != tt.version || o.Integrity != tt.integrity {
			t.Errorf("%s: got %s %s %s %q, want %s %s %s %q", tt.exe,
				o.Manager, o.Package, o.Version, o.Integrity, tt.manager, tt.pkg, tt.version, tt.integrity)
		}
	}
}

func TestFakeRootChangesAreSeen(t *testing.T) {
	root := fakeRoot(t)
	r := fakeResolver(t, root)
	if o := r.Lookup(0, "/usr/bin/hello", 0, 0); o.Integrity != IntegrityMatch {
		t.Fatalf("before: %q", o.Integrity)
	}
	// Same inode, new content and times: the cached digest is stale.
	write(t, filepath.Join(root, "usr/bin/hello"), "hello, changed\n")
	if o := r.Lookup(0, "/usr/bin/hello", 0, 0); o.Integrity != IntegrityMismatch {
		t.Errorf("after a change: %q, want mismatch", o.Integrity)
	}

	// A package installed after the index was built.
	if o := r.Lookup(0, "/usr/bin/newprog", 0, 0); o.Manager != "" {
		t.Fatalf("newprog owned before install: %+v", o)
	}
	write(t, filepath.Join(root, "usr/bin/newprog"), "new\n")
	info := filepath.Join(root, "var/lib/dpkg/info")
	write(t, filepath.Join(info, "newprog.list"), "/.\n/usr\n/usr/bin\n/usr/bin/newprog\n")
	status := filepath.Join(root, "var/lib/dpkg/status")
	b, _ := os.ReadFile(status)
	write(t, status, string(b)+"\nPackage: newprog\nStatus: install ok installed\nVersion: 0.1\n")
	later := time.Now().Add(time.Minute) // coarse file system clocks
	for _, p := range []string{info, status} {
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if o := r.Lookup(0, "/usr/bin/newprog", 0, 0); o.Package != "newprog" || o.Version != "0.1" {
		t.Errorf("after install: %+v", o)
	}
}

func TestFakeRootDesktopEntries(t *testing.T) {
	root := fakeRoot(t)
	r := fakeResolver(t, root)
	apps := filepath.Join(root, "usr/share/applications")
	tests := []struct{ exe, name, icon, file string }{
		// env prefix, PATH search, NoDisplay entry of the same program passed over.
		{"/usr/bin/hello", "Hello World", "hello-icon", filepath.Join(apps, "hello.desktop")},
		{"/usr/bin/tool", "Tool", "tool", filepath.Join(apps, "tool.desktop")},
		// the user's Hidden entry deletes the system one.
		{"/usr/bin/editor", "", "", ""},
		{"/var/lib/flatpak/app/org.example.Chat/x86_64/stable/0123abc/files/bin/chat", "Example Chat", "org.example.Chat",
			filepath.Join(root, "var/lib/flatpak/exports/share/applications/org.example.Chat.desktop")},
		{"/snap/firefox/4242/usr/lib/firefox/firefox", "Firefox Web Browser", "/snap/firefox/current/default256.png",
			filepath.Join(root, "var/lib/snapd/desktop/applications/firefox_firefox.desktop")},
	}
	for _, tt := range tests {
		o := r.Lookup(0, tt.exe, 0, 0)
		if o.AppName != tt.name || o.Icon != tt.icon || o.DesktopFile != tt.file {
			t.Errorf("%s: got %q %q %q, want %q %q %q", tt.exe, o.AppName, o.Icon, o.DesktopFile, tt.name, tt.icon, tt.file)
		}
	}
	if o := r.Lookup(0, "/snap/firefox/4242/usr/lib/firefox/firefox", 0, 0); o.Manager != "snap" || o.AppID != "firefox" {
		t.Errorf("snap: %+v", o)
	}

	// LC_ALL, then LC_MESSAGES, then LANG decide (as in gettext): set all
	// three, since make test runs under LC_ALL=C.UTF-8.
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(k, "de_DE.UTF-8")
	}
	de := NewResolver(Options{Root: root, Home: filepath.Join(root, "home/user")})
	if o := de.Lookup(0, "/usr/bin/hello", 0, 0); o.AppName != "Hallo Welt" {
		t.Errorf("German name = %q", o.AppName)
	}

	now := time.Now()
	if e := r.apps.find(now, desktopQuery{ids: []string{"gnome-org.gnome.Terminal", "org.gnome.Terminal"}}); e == nil || e.name != "Terminal" {
		t.Errorf("by unit id: %+v", e)
	}
	if e := r.autostart.find(now, desktopQuery{exe: "/usr/bin/hello"}); e == nil || filepath.Base(e.path) != "hello-tray.desktop" {
		t.Errorf("autostart by exe: %+v", e)
	}
	if e := r.autostart.find(now, desktopQuery{ids: []string{"hello-tray"}}); e == nil {
		t.Error("autostart by id: none")
	}
	if e := r.autostart.find(now, desktopQuery{exe: "/usr/bin/tool"}); e != nil {
		t.Errorf("autostart entry the user hid was used: %+v", e)
	}
}

func TestExecProgram(t *testing.T) {
	tests := map[string]string{
		"hello %U":                              "hello",
		`env GREETING="a b" LANG=C hello --x`:   "hello",
		`env -u DISPLAY /usr/bin/foo`:           "/usr/bin/foo",
		`"/opt/My App/bin/app" %f`:              "/opt/My App/bin/app",
		`/opt/My\sApp/run`:                      "/opt/My",
		`"/opt/q\"uote/bin/x"`:                  `/opt/q"uote/bin/x`,
		"%u":                                    "",
		"":                                      "",
		"/usr/bin/flatpak run org.example.Chat": "/usr/bin/flatpak",
	}
	for in, want := range tests {
		if got := execProgram(in); got != want {
			t.Errorf("execProgram(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBundles(t *testing.T) {
	home := "/home/ann"
	tests := []struct {
		exe  string
		env  map[string]string
		want bundle
	}{
		{"/home/ann/.local/share/flatpak/app/org.example.Notes/x86_64/stable/abc/files/bin/notes", nil,
			bundle{manager: "flatpak", appID: "org.example.Notes"}},
		{"/snap/code/170/usr/share/code/code", map[string]string{"SNAP": "/snap/code/170", "SNAP_NAME": "code", "SNAP_VERSION": "1.95"},
			bundle{manager: "snap", appID: "code", version: "1.95"}},
		{"/tmp/.mount_ToolXy12/usr/bin/tool", map[string]string{"APPIMAGE": "/home/ann/Tool.AppImage", "APPDIR": "/tmp/.mount_ToolXy12"},
			bundle{manager: "appimage", appImage: "/home/ann/Tool.AppImage"}},
		{"/tmp/.mount_ToolXy12/usr/bin/tool", nil, bundle{manager: "appimage"}},
		// a host program the AppImage started inherits its variables; it is not part of it.
		{"/usr/bin/xdg-open", map[string]string{"APPIMAGE": "/home/ann/Tool.AppImage", "APPDIR": "/tmp/.mount_ToolXy12"}, bundle{}},
		{"/usr/bin/ls", nil, bundle{}},
	}
	for _, tt := range tests {
		got := bundleByProcess(bundleByPath(tt.exe, home), tt.exe, tt.env, "")
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.exe, got, tt.want)
		}
	}
}

func TestPacmanFakeRoot(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "usr/bin/foo"), "foo binary\n")
	sum := sha256.Sum256([]byte("foo binary\n"))
	entry := filepath.Join(root, "var/lib/pacman/local/foo-1.2-3")
	write(t, filepath.Join(entry, "desc"), "%NAME%\nfoo\n\n%VERSION%\n1.2-3\n\n")
	write(t, filepath.Join(entry, "files"), "%FILES%\nusr/\nusr/bin/\nusr/bin/foo\n\n%BACKUP%\netc/foo.conf\tabc\n")
	f, err := os.Create(filepath.Join(entry, "mtree"))
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	_, _ = zw.Write([]byte("#mtree\n/set type=file uid=0 gid=0 mode=644\n" +
		"./usr/bin/foo time=1700000000.0 mode=755 size=11 md5digest=00 sha256digest=" + hex.EncodeToString(sum[:]) + "\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := NewResolver(Options{Root: root, Home: t.TempDir()})
	if o := r.Lookup(0, "/usr/bin/foo", 0, 0); o.Manager != "pacman" || o.Package != "foo" || o.Version != "1.2-3" || o.Integrity != IntegrityMatch {
		t.Errorf("pacman: %+v", o)
	}
}

func TestParseRPMQuery(t *testing.T) {
	out := "openssh-server\t(none):9.6p1-1.fc40\n/etc/ssh/sshd_config\t\n/usr/sbin/sshd\tabcdef\n"
	name, version, sum, ok := parseRPMQuery(out, "/usr/sbin/sshd")
	if !ok || name != "openssh-server" || version != "9.6p1-1.fc40" || sum != "abcdef" {
		t.Errorf("got %q %q %q %v", name, version, sum, ok)
	}
	if _, _, _, ok := parseRPMQuery("", "/x"); ok {
		t.Error("empty output claimed a package")
	}
}
