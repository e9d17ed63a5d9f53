//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/cli"
	"portlight/internal/testrig"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
)

// nobodyID is the uid and gid of the nobody user, who runs the world.
const nobodyID = 65534

// world is the test's machine as an ordinary user sees it: the nobody user
// with a home of its own under /home (a home under /tmp would make every
// program in it one that runs from a temporary folder), a 0755 folder in
// /tmp for the programs dropped there, and Portlight run by that user.
type world struct {
	t *testing.T
	// home is nobody's home; settings is PORTLIGHT_HOME, inside it.
	home, settings string
	// tmp is a 0755 folder in /tmp that nobody can run programs from.
	tmp string
	// self is the test binary's copy in tmp; portlight is Portlight's.
	self, portlight string
}

// newWorld makes nobody's home and the folders, removed at the end.
func newWorld(t *testing.T) *world {
	t.Helper()
	home, err := os.MkdirTemp("/home", "portlight-world-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	tmp, err := os.MkdirTemp("", "portlight-world-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	w := &world{t: t, home: home, settings: filepath.Join(home, ".config", "portlight"), tmp: tmp}
	for _, d := range []string{home, tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(w.settings, 0o755); err != nil {
		t.Fatal(err)
	}
	w.self = testrig.CopySelf(t, filepath.Join(tmp, "bin"), "world.test")
	w.portlight = filepath.Join(tmp, "bin", "portlight")
	copyFile(t, portlight(t), w.portlight)
	w.chown()
	return w
}

// chown gives everything in the home to nobody.
func (w *world) chown() {
	w.t.Helper()
	err := filepath.Walk(w.home, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobodyID, nobodyID)
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

// place copies the test binary to path (folders made 0755) and returns it.
func (w *world) place(path string) string {
	w.t.Helper()
	p := testrig.CopySelf(w.t, filepath.Dir(path), filepath.Base(path))
	w.chown()
	return p
}

// command is name with args, run by nobody in dir with the world's
// environment.
func (w *world) command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(dropEnv(os.Environ(), "HOME", "USER", "LOGNAME", "PORTLIGHT_HOME", envWorldBind, envWorldActs),
		"HOME="+w.home, "USER=nobody", "LOGNAME=nobody", "PORTLIGHT_HOME="+w.settings, "LANG=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
	return cmd
}

// startRole starts bin (argv[0] named argv0 when set) as nobody in the
// world's listener role with binds and acts, waits for it to bind, and
// returns it with the decoy's pid when it started one. It is ended at the
// end of the test.
func (w *world) startRole(bin, argv0 string, binds []string, acts ...string) (cmd *exec.Cmd, decoy int) {
	w.t.Helper()
	cmd = w.command(w.home, bin)
	if argv0 != "" {
		cmd.Args[0] = argv0
	}
	cmd.Env = append(cmd.Env, envWorldBind+"="+strings.Join(binds, ","), envWorldActs+"="+strings.Join(acts, ","))
	line := w.startReady(cmd)
	if f := strings.Fields(line); len(f) > 1 {
		decoy, _ = strconv.Atoi(f[1])
		w.t.Cleanup(func() { syscall.Kill(decoy, syscall.SIGKILL) })
	}
	return cmd, decoy
}

// startReady starts cmd and waits up to 20 s for its first line, which
// must begin with "ready"; it returns that line.
func (w *world) startReady(cmd *exec.Cmd) string {
	w.t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start %s: %v", cmd.Path, err)
	}
	w.t.Cleanup(func() { stop(cmd) })
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case line := <-got:
		if !strings.HasPrefix(line, "ready") {
			stop(cmd)
			w.t.Fatalf("%s %q did not bind: %q\n%s", cmd.Path, cmd.Args[1:], line, stderr.String())
		}
		return line
	case <-time.After(20 * time.Second):
		w.t.Fatalf("%s %q not ready within 20 s\n%s", cmd.Path, cmd.Args[1:], stderr.String())
	}
	return ""
}

// startDialable starts cmd (a program that prints nothing when ready) and
// waits up to 20 s until addr accepts connections.
func (w *world) startDialable(cmd *exec.Cmd, addr string) {
	w.t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start %s: %v", cmd.Path, err)
	}
	w.t.Cleanup(func() { stop(cmd) })
	if !waitFor(20*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		w.t.Fatalf("%s %q: %s not accepting within 20 s\n%s", cmd.Path, cmd.Args[1:], addr, out.String())
	}
}

// cli runs a Portlight sub-command as nobody and returns its output.
func (w *world) cli(args ...string) []byte {
	w.t.Helper()
	cmd := w.command(w.home, w.portlight, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		w.t.Fatalf("portlight %s as nobody: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// scan runs `portlight scan --json` as nobody, and keeps its output in
// the artifacts folder as world-scan.json.
func (w *world) scan() []policy.Assessment {
	w.t.Helper()
	out := w.cli("scan", "--json")
	if err := os.WriteFile(filepath.Join(artifacts(w.t), "world-scan.json"), out, 0o644); err != nil {
		w.t.Fatal(err)
	}
	var doc cli.ScanOutput
	if err := json.Unmarshal(out, &doc); err != nil {
		w.t.Fatalf("scan --json: %v\n%s", err, out)
	}
	return doc.Listeners
}

// freeAssignedPorts returns n of the candidates, in order, that IANA has
// assigned and that are free on 0.0.0.0 for TCP now.
func freeAssignedPorts(t testing.TB, n int, candidates ...uint16) []uint16 {
	t.Helper()
	var out []uint16
	for _, p := range candidates {
		if len(out) == n {
			break
		}
		if portinfo.Lookup(p, "tcp").Status != portinfo.Assigned {
			continue
		}
		ln, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		out = append(out, p)
	}
	if len(out) < n {
		t.Fatalf("only %d of the assigned ports %v are free, want %d", len(out), candidates, n)
	}
	return out
}

// requireFree fails the test when a fixed port the world needs is taken.
func requireFree(t testing.TB, binds ...string) {
	t.Helper()
	for _, b := range binds {
		network, addr, _ := strings.Cut(b, ":")
		var c io.Closer
		var err error
		if strings.HasPrefix(network, "udp") {
			c, err = net.ListenPacket(network, addr)
		} else {
			c, err = net.Listen(network, addr)
		}
		if err != nil {
			t.Fatalf("the world needs %s %s, which is taken: %v", network, addr, err)
		}
		c.Close()
	}
}

// installDeb builds a package named name, version 1.0-1, that ships a copy
// of the test binary at each path, with every file's MD5 in DEBIAN/md5sums,
// installs it with dpkg -i and purges it at the end of the test.
func installDeb(t *testing.T, name string, paths ...string) {
	t.Helper()
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	var sums strings.Builder
	for _, p := range paths {
		rel := strings.TrimPrefix(p, "/")
		dst := testrig.CopySelf(t, filepath.Join(tree, filepath.Dir(rel)), filepath.Base(rel))
		b, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(b)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), rel)
	}
	control := "Package: " + name + "\nVersion: 1.0-1\nArchitecture: all\n" +
		"Maintainer: Portlight tests <tests@invalid>\nDescription: a stand-in for a vendor program in Portlight's test world\n"
	if err := os.MkdirAll(filepath.Join(tree, "DEBIAN"), 0o755); err != nil {
		t.Fatal(err)
	}
	for f, s := range map[string]string{"control": control, "md5sums": sums.String()} {
		if err := os.WriteFile(filepath.Join(tree, "DEBIAN", f), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Every folder 0755: dpkg would otherwise record t.TempDir's 0700.
	filepath.Walk(tree, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			err = os.Chmod(p, 0o755)
		}
		return err
	})
	deb := filepath.Join(dir, name+".deb")
	// Uncompressed: the test binary is large and compressing it is slow.
	if out, err := exec.Command("dpkg-deb", "-Znone", "--build", "--root-owner-group", tree, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v: %s", err, out)
	}
	t.Cleanup(func() { dpkg(t, "--force-unsafe-io", "--purge", name) })
	dpkg(t, "--force-unsafe-io", "-i", deb)
}

// dpkg runs dpkg, waiting out another dpkg's lock for up to 2 minutes.
func dpkg(t *testing.T, args ...string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := exec.Command("dpkg", args...).CombinedOutput()
		if err == nil {
			return
		}
		if !strings.Contains(string(out), "lock") || time.Now().After(deadline) {
			t.Errorf("dpkg %s: %v: %s", strings.Join(args, " "), err, out)
			return
		}
		time.Sleep(time.Second)
	}
}
