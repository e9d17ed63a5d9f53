//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/provenance"

	"portlight/internal/testrig"
)

// worldListener is one listener of the test world and what is expected of
// it.
type worldListener struct {
	program, how string
	// proto ("tcp", "udp"), address and port find it in the scan.
	proto, addr string
	port        uint16
	// malicious listeners must alert with want; ordinary ones stay quiet.
	malicious bool
	want      policy.Trigger
	// high: the alert must be of high severity.
	high bool
	// holders are pids that must hold the socket (a decoy's parent and
	// child).
	holders []int
	// reason, when set, is words one of the verdict's reasons must hold.
	reason string
	// origin, when set, is the package an ordinary program must come from,
	// intact.
	origin string
}

// TestWorld builds a small world of ordinary and malicious listeners, all
// run by the nobody user with a home of its own, and judges it with
// `portlight scan --json` run by that user: every malicious listener alerts
// with the trigger that names what it does, every ordinary one stays quiet.
// The world's table goes to world.md in the test's artifacts folder.
//
// Ordinary means: a program from a package, at its packaged path, intact,
// on a port the knowledge file documents for it (syncthing, transmission,
// KDE Connect: stand-ins built with dpkg-deb; Python's http.server, the
// real Debian python3, run from a project folder in the home on the port
// the knowledge file gives Python dev servers); and a program the user
// installed in the standard per-user folder (~/.local/bin) on an
// IANA-assigned port of this computer only.
func TestWorld(t *testing.T) {
	worldNeeds(t)
	w := newWorld(t)
	python, err := filepath.EvalSymlinks("/usr/bin/python3")
	if err != nil {
		t.Fatal(err)
	}
	var ls []worldListener
	ls = append(ls, w.ordinary(python)...)
	ls = append(ls, w.malicious(python)...)
	got := w.scan()
	rows := judgeWorld(t, ls, got)
	table := worldTable(rows)
	t.Log("\n" + table)
	path := filepath.Join(artifacts(t), "world.md")
	if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
}

// worldNeeds skips (under -short) or fails, naming what is missing.
func worldNeeds(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (to install packages and run the world as nobody)")
	}
	for _, tool := range []string{"dpkg", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import http.server").Run(); err != nil {
		missing = append(missing, "python3 (/usr/bin/python3 with http.server)")
	}
	if _, ok := multiarch[runtime.GOARCH]; !ok {
		missing = append(missing, "an amd64 or arm64 machine (KDE Connect's path)")
	}
	if len(missing) == 0 {
		return
	}
	testrig.NeedUnlessShort(t, false, strings.Join(missing, ", "))
}

// multiarch is Debian's library folder per Go architecture.
var multiarch = map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}

// vendorApp is a program of the knowledge file, stood in for by the test
// binary at its packaged path.
type vendorApp struct {
	program, path string
	binds         []string
}

// ordinary starts the listeners that must stay quiet.
func (w *world) ordinary(python string) []worldListener {
	t := w.t
	apps := []vendorApp{
		{"Syncthing", "/usr/bin/syncthing", []string{"tcp4:0.0.0.0:22000", "udp4:0.0.0.0:22000", "udp4:0.0.0.0:21027", "tcp4:127.0.0.1:8384"}},
		{"Transmission", "/usr/bin/transmission-daemon", []string{"tcp4:0.0.0.0:51413", "udp4:0.0.0.0:51413"}},
		{"KDE Connect", "/usr/lib/" + multiarch[runtime.GOARCH] + "/libexec/kdeconnectd", []string{"tcp4:0.0.0.0:1716", "udp4:0.0.0.0:1716"}},
	}
	// A real package's file at the path: it would clash with the stand-in.
	apps = slices.DeleteFunc(apps, func(a vendorApp) bool {
		if _, err := os.Lstat(a.path); err == nil {
			t.Logf("%s: %s exists (a real package?): left out of the world", a.program, a.path)
			return true
		}
		return false
	})
	var paths []string
	for _, a := range apps {
		paths = append(paths, a.path)
		requireFree(t, a.binds...)
	}
	installDeb(t, worldPackage, append(paths, tamperedPath)...)

	var ls []worldListener
	for _, a := range apps {
		w.startRole(a.path, "", a.binds)
		ls = append(ls, bound(worldListener{program: a.program + " (stand-in)", how: a.path,
			origin: worldPackage}, a.binds)...)
	}

	// Python's development server, the system's python3, in a project.
	site := filepath.Join(w.home, "projects", "site")
	if err := os.MkdirAll(site, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("<p>hello</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.chown()
	requireFree(t, "tcp4:127.0.0.1:8000")
	w.startDialable(w.command(site, python, "-m", "http.server", "8000", "--bind", "127.0.0.1"), "127.0.0.1:8000")
	pyPkg := strings.TrimSpace(string(mustOutput(t, "dpkg-query", "-S", python)))
	pyPkg, _, _ = strings.Cut(pyPkg, ":")
	ls = append(ls, worldListener{program: "python3 -m http.server (" + python + ")", origin: pyPkg,
		how: "python3 -m http.server 8000 --bind 127.0.0.1, in ~/projects/site", proto: "tcp", addr: "127.0.0.1", port: 8000})

	// A program the user installed in ~/.local/bin, on loopback.
	requireFree(t, "tcp4:127.0.0.1:8080")
	local := w.place(filepath.Join(w.home, ".local", "bin", "devserver"))
	w.startRole(local, "", []string{"tcp4:127.0.0.1:8080"})
	ls = append(ls, worldListener{program: "user-installed app", how: "~/.local/bin/devserver",
		proto: "tcp", addr: "127.0.0.1", port: 8080})
	return ls
}

// The test package: the vendor stand-ins and a file that is modified after
// install. Its name is not a Debian package's.
const (
	worldPackage = "portlight-world-apps"
	tamperedPath = "/usr/bin/portlight-world-tool"
)

// bound lists a program's listeners, one per bind.
func bound(l worldListener, binds []string) []worldListener {
	var out []worldListener
	for _, b := range binds {
		network, addr, _ := strings.Cut(b, ":")
		host, port, _ := strings.Cut(addr, ":")
		l.proto, l.addr = strings.TrimSuffix(network, "4"), host
		fmt.Sscan(port, &l.port)
		out = append(out, l)
	}
	return out
}

// judgeWorld finds each listener in the scan and checks its verdict; it
// returns the table's rows.
func judgeWorld(t *testing.T, ls []worldListener, got []policy.Assessment) []worldRow {
	t.Helper()
	var rows []worldRow
	for _, l := range ls {
		name := fmt.Sprintf("%s %s:%d (%s)", l.proto, l.addr, l.port, l.program)
		i := slices.IndexFunc(got, func(a policy.Assessment) bool {
			return string(a.Proto) == l.proto && a.Port == l.port && a.Address == l.addr
		})
		if i < 0 {
			t.Errorf("%s: not in the scan", name)
			rows = append(rows, worldRow{l: l, missing: true})
			continue
		}
		a := got[i]
		rows = append(rows, worldRow{l: l, a: a})
		v := a.Verdict
		js, _ := json.MarshalIndent(struct {
			Exe     string           `json:"exe"`
			Verdict policy.Verdict   `json:"verdict"`
			Holders []map[string]any `json:"holders,omitempty"`
		}{a.Exe, v, holdersOf(a)}, "", "  ")
		if !l.malicious {
			documented := slices.ContainsFunc(v.Reasons, func(r string) bool { return strings.HasSuffix(r, "(documented)") })
			switch {
			case v.Alert:
				t.Errorf("%s: ordinary listener alerts:\n%s", name, js)
			case len(v.Triggers) > 0 && !documented && !v.Ignored:
				// Quiet despite a port trigger: only the knowledge file
				// (or a setting that ignores it) may say so.
				t.Errorf("%s: quiet with triggers %v but no documented use:\n%s", name, v.Triggers, js)
			case l.origin != "" && (a.Origin.Package != l.origin || a.Origin.Integrity != provenance.IntegrityMatch):
				t.Errorf("%s: origin %+v, want package %s intact", name, a.Origin, l.origin)
			}
			continue
		}
		switch {
		case !v.Alert:
			t.Errorf("%s: no alert, want %s:\n%s", name, l.want, js)
		case !slices.Contains(v.Triggers, l.want):
			t.Errorf("%s: triggers %v, want %s:\n%s", name, v.Triggers, l.want, js)
		case l.high && v.Severity != policy.SeverityHigh:
			t.Errorf("%s: severity %q, want high:\n%s", name, v.Severity, js)
		case l.reason != "" && !slices.ContainsFunc(v.Reasons, func(r string) bool { return strings.Contains(r, l.reason) }):
			t.Errorf("%s: no reason says %q:\n%s", name, l.reason, js)
		}
		for _, pid := range l.holders {
			if !slices.ContainsFunc(a.Holders, func(h monitor.Process) bool { return int(h.PID) == pid }) {
				t.Errorf("%s: pid %d not among the holders:\n%s", name, pid, js)
			}
		}
	}
	return rows
}

// holdersOf is the holders' pids and executables, for failure messages.
func holdersOf(a policy.Assessment) []map[string]any {
	var out []map[string]any
	for _, h := range a.Holders {
		out = append(out, map[string]any{"pid": h.PID, "exe": h.Exe, "state": h.Identity.State})
	}
	return out
}

// mustOutput runs a command and returns its output, failing the test when
// it fails.
func mustOutput(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}
