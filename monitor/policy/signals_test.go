package policy

import (
	"io/fs"
	"slices"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/provenance"
)

// fakeDir is a directory's FileInfo with a mode.
type fakeDir fs.FileMode

func (d fakeDir) Name() string       { return "d" }
func (d fakeDir) Size() int64        { return 0 }
func (d fakeDir) Mode() fs.FileMode  { return fs.ModeDir | fs.FileMode(d) }
func (d fakeDir) ModTime() time.Time { return time.Time{} }
func (d fakeDir) IsDir() bool        { return true }
func (d fakeDir) Sys() any           { return nil }

// testPlaces has /srv/drop world-writable (with the sticky bit, as /tmp),
// every other folder 0755.
var testPlaces = Places{Home: "/home/me", Stat: func(name string) (fs.FileInfo, error) {
	if name == "/srv/drop" {
		return fakeDir(0o777 | fs.ModeSticky), nil
	}
	return fakeDir(0o755), nil
}}

func TestWritablePlace(t *testing.T) {
	tests := []struct {
		path string
		want placeKind
	}{
		{"/usr/bin/syncthing", placeNone},
		{"/opt/google/chrome/chrome", placeNone},
		{"/tmp/x", placeTemp},
		{"/var/tmp/a/b", placeTemp},
		{"/dev/shm/.x", placeTemp},
		{"/tmp/go-build123/b001/exe/server", placeGoBuild},
		{"/run/user/1000/x", placeRuntime},
		{"/run/user/1000/.flatpak/1/bwrapinfo", placeNone},
		{"/srv/drop/miner", placeWorldWritable},
		{"/home/me/.local/bin/tool", placeNone},
		{"/home/me/.local/share/Steam/ubuntu12_32/steam", placeNone},
		{"/home/me/.var/app/com.spotify.Client/x", placeNone},
		{"/home/me/.steam/bin/steam", placeNone},
		{"/home/me/.cargo/bin/zola", placeNone},
		{"/home/me/.vscode-server/bin/abc/node", placeNone},
		{"/home/me/src/app/node_modules/.bin/vite", placeNone}, // hidden, but not in the home itself
		{"/home/me/.cache/x/y", placeCache},
		{"/home/me/.config/dbus/dbusd", placeHiddenHome},
		{"/home/other/.x/y", placeHiddenHome},
		{"/root/.hidden", placeHiddenHome},
		{"/var/home/me/.sys/x", placeHiddenHome},
		{"relative/.x", placeNone},
	}
	for _, tt := range tests {
		got, ok := testPlaces.Writable(tt.path)
		if got.kind != tt.want || ok != (tt.want != placeNone) {
			t.Errorf("Writable(%q) = %v %q, want kind %v", tt.path, ok, got.Words, tt.want)
		}
	}
	// Without Stat, only paths decide.
	if _, ok := (Places{}).Writable("/srv/drop/miner"); ok {
		t.Error("world-writable without a Stat")
	}
}

func TestInlineCode(t *testing.T) {
	tests := []struct {
		exe         string
		argv        []string
		code, shell bool
	}{
		{"/usr/bin/python3.12", []string{"python3", "-c", "import socket"}, true, false},
		{"/usr/bin/python3.12", []string{"python3", "-Ic", "x"}, true, false},
		{"/usr/bin/python3.12", []string{"python3", "-m", "http.server"}, false, false},
		{"/usr/bin/python3.12", []string{"python3", "app.py", "-c", "conf"}, false, false},
		{"/usr/bin/node", []string{"node", "-e", "require('net')"}, true, false},
		{"/usr/bin/node", []string{"node", "--eval=x"}, true, false},
		{"/usr/bin/node", []string{"node", "--inspect", "server.js"}, false, false},
		{"/usr/bin/perl", []string{"perl", "-ne", "print"}, true, false},
		{"/usr/bin/deno", []string{"deno", "eval", "x"}, true, false},
		{"/usr/bin/bash", []string{"bash", "-lc", "x"}, true, true},
		{"/usr/bin/dash", []string{"sh", "script.sh"}, false, true},
		{"/usr/bin/syncthing", []string{"syncthing", "-c"}, false, false},
	}
	for _, tt := range tests {
		code, shell := inlineCode(tt.exe, tt.argv)
		if code != tt.code || shell != tt.shell {
			t.Errorf("inlineCode(%s, %q) = %v, %v; want %v, %v", tt.exe, tt.argv, code, shell, tt.code, tt.shell)
		}
	}
}

func TestProgramSignals(t *testing.T) {
	proc := func(exe, comm string, argv ...string) monitor.Process {
		return monitor.Process{PID: 7, Exe: exe, Name: comm, Argv: argv, Identity: monitor.ExeIdentity{State: monitor.ExeOK}}
	}
	state := func(p monitor.Process, s monitor.ExeState) monitor.Process { p.Identity.State = s; return p }
	script := func(p monitor.Process, s string) monitor.Process { p.Script = s; return p }
	deb := provenance.Origin{Manager: "dpkg", Package: "openssh-server", Version: "1:9.6", Integrity: provenance.IntegrityMatch}
	tampered := deb
	tampered.Integrity = provenance.IntegrityMismatch
	none := provenance.Origin{}
	type want struct {
		trigger Trigger
		weak    bool
	}
	tests := []struct {
		name  string
		p     monitor.Process
		o     provenance.Origin
		want  []want
		facts int
	}{
		// Ordinary programs: nothing.
		{"packaged daemon", proc("/usr/sbin/sshd", "sshd", "sshd: /usr/sbin/sshd -D"), deb, nil, 0},
		{"truncated comm", proc("/usr/lib/systemd/systemd-resolved", "systemd-resolve", "/usr/lib/systemd/systemd-resolved"), none, nil, 0},
		{"symlink name", proc("/usr/bin/vim.basic", "vi", "vi"), none, nil, 0},
		{"python by its short name", proc("/usr/bin/python3.12", "python3", "python3", "-m", "http.server"), none, nil, 0},
		{"script names its process", script(proc("/usr/bin/python3.12", "myserver", "/usr/bin/python3", "/home/me/bin/myserver"), "/home/me/bin/myserver"), none, nil, 0},
		{"firefox socket process", proc("/home/me/firefox/firefox", "Socket Process", "/home/me/firefox/firefox"), none, nil, 0},
		{"chrome crashpad", proc("/opt/google/chrome/chrome_crashpad_handler", "chrome_crashpad", "chrome_crashpad_handler"), none, nil, 0},
		{"steam", proc("/home/me/.local/share/Steam/ubuntu12_32/steam", "steam", "steam"), none, nil, 0},
		{"spotify flatpak", state(proc("/app/extra/spotify", "spotify", "spotify"), monitor.ExeForeignMount),
			provenance.Origin{Manager: "flatpak", AppID: "com.spotify.Client"}, nil, 1},
		{"re-exec of /proc/self/exe", proc("/usr/bin/runc", "exe", "/proc/self/exe", "init"), none, nil, 0},
		{"appimage runs from its mount", proc("/tmp/.mount_Obsid1/obsidian", "obsidian", "obsidian"),
			provenance.Origin{Manager: "appimage", AppImage: "/home/me/Apps/Obsidian.AppImage"}, nil, 0},
		{"dev server from go run", proc("/tmp/go-build1/b001/exe/server", "server", "/tmp/go-build1/b001/exe/server"), none,
			[]want{{TriggerExeWritable, true}}, 0},
		{"package update since start", state(proc("/usr/sbin/cupsd", "cupsd", "cupsd"), monitor.ExeReplaced),
			provenance.Origin{Manager: "dpkg", Package: "cups-daemon", Integrity: provenance.IntegrityMatch}, nil, 1},

		// Suspicious programs.
		{"from /tmp", proc("/tmp/x", "x", "./x"), none, []want{{TriggerExeWritable, false}}, 0},
		{"from a world-writable folder", proc("/srv/drop/miner", "miner", "miner"), none, []want{{TriggerExeWritable, false}}, 0},
		{"from a hidden folder of the home", proc("/home/me/.config/.x/agent", "agent", "agent"), none, []want{{TriggerExeWritable, false}}, 0},
		{"memfd", state(proc("/memfd:x (deleted)", "x", "x"), monitor.ExeMemfd), none, []want{{TriggerExeMemfd, false}}, 0},
		{"own mount namespace, from /tmp", state(proc("/tmp/x", "x", "x"), monitor.ExeForeignMount), none, []want{{TriggerExeWritable, false}}, 0},
		{"own mount namespace, deleted", state(proc("/home/me/bin/x (deleted)", "x", "x"), monitor.ExeForeignMount), none, []want{{TriggerExeDeleted, false}}, 0},
		{"container, path inside it", state(proc("/tmp/x", "x", "x"), monitor.ExeForeignMount),
			provenance.Origin{Container: &provenance.Container{Engine: "podman", ID: "abc"}}, nil, 1},
		{"anonymous", state(proc("", "x", "x"), monitor.ExeAnonymous), none, []want{{TriggerExeAnonymous, false}}, 0},
		{"deleted after start", state(proc("/home/me/bin/srv", "srv", "srv"), monitor.ExeDeleted), none, []want{{TriggerExeDeleted, false}}, 0},
		{"replaced, not by a package", state(proc("/opt/app/app", "app", "app"), monitor.ExeReplaced), none, []want{{TriggerExeReplaced, false}}, 0},
		{"old deleted marker", state(proc("/home/me/bin/srv (deleted)", "srv", "srv"), monitor.ExeUnknown), none, []want{{TriggerExeDeleted, false}}, 0},
		{"package mismatch", proc("/usr/sbin/sshd", "sshd", "sshd"), tampered, []want{{TriggerPackageMismatch, false}}, 0},
		{"kernel thread name", proc("/home/me/bin/k", "kworker/0:1", "[kworker/0:1]"), none, []want{{TriggerNameMimics, false}}, 0},
		{"bracketed argv", proc("/usr/bin/python3.12", "python3", "[kthreadd]"), none, []want{{TriggerNameMimics, false}}, 0},
		{"daemon name, other file", proc("/opt/sshd2/run", "sshd", "sshd"), none, []want{{TriggerNameMimics, false}}, 0},
		{"file named like a daemon in Downloads", proc("/home/me/Downloads/sshd", "sshd", "sshd"), none, []want{{TriggerNameMimics, false}}, 0},
		{"unpackaged daemon in a system folder", proc("/usr/local/sbin/sshd", "sshd", "sshd"), none, nil, 0},
		{"service's other file name outside system folders", proc("/home/me/bin/sshd-session", "sshd", "sshd"), none, []want{{TriggerNameMimics, false}}, 0},
		{"systemd-named file in the home", proc("/home/me/bin/systemd", "systemd-resolve", "systemd-resolved"), none, []want{{TriggerNameMimics, false}}, 0},
		{"daemon name on an interpreter", proc("/usr/bin/python3.12", "sshd", "sshd"),
			provenance.Origin{Manager: "dpkg", Package: "python3.12-minimal", Integrity: provenance.IntegrityMatch},
			[]want{{TriggerNameMimics, false}}, 0},
		{"systemd name, other file", proc("/home/me/bin/sd", "systemd-journal", "systemd-journald"), none, []want{{TriggerNameMimics, false}}, 0},
		{"renamed unlike file and argv", proc("/opt/tool/tool", "dbusx", "/opt/tool/tool"), none, []want{{TriggerNameMimics, true}}, 0},
		{"bun script in /tmp", proc("/usr/local/bin/bun", "bun", "bun", "/tmp/evil.js"), none, []want{{TriggerInterpreterScript, false}}, 0},
		{"deno run from /dev/shm", proc("/usr/bin/deno", "deno", "deno", "run", "--allow-net", "/dev/shm/x.ts"), none, []want{{TriggerInterpreterScript, false}}, 0},
		{"lua script relative to a /tmp cwd", cwd(proc("/usr/bin/lua5.4", "lua5.4", "lua", "./x.lua"), "/tmp/w"), none, []want{{TriggerInterpreterScript, false}}, 0},
		{"python -m http.server in a project", cwd(proc("/usr/bin/python3.11", "python3", "python3", "-m", "http.server", "8000"), "/home/me/site"),
			provenance.Origin{Manager: "dpkg", Package: "python3.11-minimal", Integrity: provenance.IntegrityMatch}, nil, 0},
		{"python -m http.server in /tmp, loopback address", cwd(proc("/usr/bin/python3.11", "python3", "python3", "-m", "http.server", "0", "--bind", "127.0.0.1"), "/tmp/t"),
			provenance.Origin{Manager: "dpkg", Package: "python3.11-minimal", Integrity: provenance.IntegrityMatch}, nil, 0},
		{"node server with a data folder in /tmp", cwd(proc("/usr/bin/node", "node", "node", "server.js", "/tmp/data"), "/home/me/site"), none, nil, 0},
		{"deno script in a project", cwd(proc("/usr/bin/deno", "deno", "deno", "run", "main.ts"), "/home/me/site"), none, nil, 0},
		{"interpreter with inline code", proc("/usr/bin/python3.12", "python3", "python3", "-c", "import pty"), none,
			[]want{{TriggerInterpreterScript, false}}, 0},
		{"shell -c is weak", proc("/usr/bin/bash", "bash", "bash", "-c", "x"), none, []want{{TriggerInterpreterScript, true}}, 0},
		{"script from /tmp", script(proc("/usr/bin/node", "node", "node", "/tmp/s.js"), "/tmp/s.js"), none,
			[]want{{TriggerInterpreterScript, false}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, facts := ProgramSignals(tt.p, tt.o, testPlaces, DefaultRules().Triggers)
			var got []want
			for _, s := range sig {
				got = append(got, want{s.Trigger, s.Weak})
				if s.Reason == "" || s.Advice == "" {
					t.Errorf("signal %s without reason or advice: %+v", s.Trigger, s)
				}
			}
			if !slices.Equal(got, tt.want) || len(facts) != tt.facts {
				t.Errorf("signals %+v facts %q, want %+v and %d facts", sig, facts, tt.want, tt.facts)
			}
		})
	}
	// Each signal has its own switch.
	off := DefaultRules().Triggers
	off.ExeInWritablePlace = false
	if sig, _ := ProgramSignals(proc("/tmp/x", "x", "x"), none, testPlaces, off); len(sig) != 0 {
		t.Errorf("switched off: %+v", sig)
	}
}

func TestSignalReasonsAreSafeText(t *testing.T) {
	p := monitor.Process{Exe: "/tmp/a\x1b[31mb\u202e\nc", Name: "kworker/\x1b]0;x\x07", Identity: monitor.ExeIdentity{State: monitor.ExeOK}}
	sig, _ := ProgramSignals(p, provenance.Origin{}, Places{}, DefaultRules().Triggers)
	if len(sig) != 2 {
		t.Fatalf("signals %+v", sig)
	}
	for _, s := range sig {
		for _, r := range s.Reason {
			if r == 0x1b || r == '\n' || r == '\u202e' || r == 0x07 {
				t.Errorf("reason %q carries a control character", s.Reason)
			}
		}
	}
}

// cwd sets a process's working folder.
func cwd(p monitor.Process, dir string) monitor.Process {
	p.Cwd = dir
	return p
}
