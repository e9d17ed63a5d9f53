//go:build linux

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"portlight/internal/testrig"
)

// Portlight needs no privileges: run as an ordinary user, every command works,
// other users' sockets are listed with their uid and owner_hidden, and the
// explainer says how to see the hidden owner.

// cliRoleEnv makes the test binary run one sub-command (see init).
const cliRoleEnv = "PORTLIGHT_CLI_ROLE"

func init() {
	if os.Getenv(cliRoleEnv) == "run" {
		os.Exit(runCLIRole())
	}
}

// runCLIRole runs `portlight ARGS...` as main would, with its exit status:
// 0 done, 1 failed, 2 usage.
func runCLIRole() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "cli role: no command")
		return 2
	}
	err := Run(context.Background(), os.Args[1], Env{Args: os.Args[2:], Stdout: os.Stdout, Stderr: os.Stderr})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintln(os.Stderr, err)
		return 2
	default:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
}

// asNobody prepares a copy of the test binary nobody can run (a 0755 file in
// 0755 directories; t.TempDir is 0700) and a home directory of nobody's, and
// returns a function running `portlight ARGS...` as nobody.
func asNobody(t *testing.T) func(args ...string) (stdout, stderr string, err error) {
	t.Helper()
	exe, env := testrig.NobodyExe(t)
	env = append(env, cliRoleEnv+"=run")
	return func(args ...string) (string, string, error) {
		cmd := exec.Command(exe, args...)
		cmd.Env = env
		cmd.Dir = "/"
		testrig.AsNobody(cmd)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
}

// requireRoot skips a test that runs the CLI as nobody when not root.
func requireRoot(t *testing.T) {
	t.Helper()
	testrig.RequireRoot(t, "to run the CLI as nobody next to root's sockets")
}

// rootListeners binds a TCP and a UDP socket in this (root) process.
func rootListeners(t *testing.T) (tcp, udp uint16) {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	u, err := net.ListenPacket("udp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return uint16(l.Addr().(*net.TCPAddr).Port), uint16(u.LocalAddr().(*net.UDPAddr).Port)
}

func TestScanAsNobody(t *testing.T) {
	requireRoot(t)
	tcp, udp := rootListeners(t)
	run := asNobody(t)
	out, errOut, err := run("scan", "--json")
	if err != nil {
		t.Fatalf("scan --json as nobody: %v\nstderr: %s", err, errOut)
	}
	if strings.Contains(strings.ToLower(errOut), "root") || strings.Contains(errOut, "sudo") {
		t.Errorf("scan as nobody asks for privileges: %s", errOut)
	}
	var doc ScanOutput
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("scan --json as nobody: %v\n%s", err, out)
	}
	found := map[string]bool{}
	hiddenOthers := 0
	for _, l := range doc.Listeners {
		if l.UID != testrig.NobodyUID && l.OwnerHidden {
			hiddenOthers++
		}
		if (l.Proto == "tcp" && l.Port == tcp) || (l.Proto == "udp" && l.Port == udp) {
			found[string(l.Proto)] = true
			if !l.OwnerHidden || l.PID != 0 || l.UID != 0 || l.User != "root" || l.Exe != "" || l.Cmdline != "" {
				t.Errorf("root's %s socket :%d seen by nobody as %+v, want owner_hidden, pid 0, uid 0, user root, no exe", l.Proto, l.Port, l.Listener)
			}
			if l.PortInfo.Port != l.Port || len(l.Verdict.Reasons) == 0 {
				t.Errorf("root's socket :%d lacks port facts or verdict: %+v %+v", l.Port, l.PortInfo, l.Verdict)
			}
		}
	}
	if !found["tcp"] || !found["udp"] {
		t.Errorf("root's sockets missing from nobody's scan (tcp :%d %v, udp :%d %v)", tcp, found["tcp"], udp, found["udp"])
	}
	t.Logf("nobody's scan: %d listeners, %d of other users with hidden owners", len(doc.Listeners), hiddenOthers)

	// The text table shows the uid in place of the hidden process.
	text, errOut, err := run("scan")
	if err != nil {
		t.Fatalf("scan as nobody: %v\nstderr: %s", err, errOut)
	}
	if !strings.Contains(text, "(hidden, uid 0)") {
		t.Errorf("scan text as nobody does not show hidden owners:\n%s", text)
	}
}

func TestExplainAsNobody(t *testing.T) {
	requireRoot(t)
	tcp, udp := rootListeners(t)
	run := asNobody(t)
	for _, c := range []struct {
		arg, how string
	}{
		{strconv.Itoa(int(tcp)), fmt.Sprintf("sudo ss -tlnp 'sport = :%d'", tcp)},
		{strconv.Itoa(int(udp)) + "/udp", fmt.Sprintf("sudo ss -ulnp 'sport = :%d'", udp)},
	} {
		out, errOut, err := run("explain", c.arg)
		if err != nil {
			t.Fatalf("explain %s as nobody: %v\nstderr: %s", c.arg, err, errOut)
		}
		if !strings.Contains(out, "a hidden process of uid 0") || !strings.Contains(out, "To see it, run: "+c.how) {
			t.Errorf("explain %s as nobody does not say how to see the hidden owner (%s):\n%s", c.arg, c.how, out)
		}
		js, errOut, err := run("explain", c.arg, "--json")
		if err != nil {
			t.Fatalf("explain --json %s as nobody: %v\nstderr: %s", c.arg, err, errOut)
		}
		var doc ExplainOutput
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Listeners) != 1 || !doc.Listeners[0].OwnerHidden || doc.Listeners[0].UID != 0 || doc.ScanError != "" {
			t.Errorf("explain --json %s as nobody: listeners %+v, scan error %q", c.arg, doc.Listeners, doc.ScanError)
		}
	}
}

// Nobody's own listener, in a process of nobody's, is attributed to it with
// its executable, next to root's hidden ones.
func TestNobodySeesOwnProcess(t *testing.T) {
	requireRoot(t)
	run := asNobody(t)
	exe, env := testrig.NobodyExe(t)
	cmd := exec.Command(exe)
	cmd.Env = append(env, hostileRoleEnv+"=listen")
	cmd.Dir = "/"
	testrig.DieWithParent(testrig.AsNobody(cmd))
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); cmd.Wait() }()
	var tcp, udp uint16
	if _, err := fmt.Fscanf(outp, "ports %d %d\n", &tcp, &udp); err != nil {
		t.Fatalf("nobody's listener: %v", err)
	}
	out, errOut, err := run("scan", "--json")
	if err != nil {
		t.Fatalf("scan as nobody: %v\n%s", err, errOut)
	}
	var doc ScanOutput
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	mine := 0
	for _, l := range doc.Listeners {
		if l.OwnerHidden != (l.PID == 0) && l.Published == nil { // a NAT-published port has no process
			t.Errorf("listener %s: owner_hidden %v but pid %d", l.Key(), l.OwnerHidden, l.PID)
		}
		if (l.Proto == "tcp" && l.Port == tcp) || (l.Proto == "udp" && l.Port == udp) {
			mine++
			if l.OwnerHidden || int(l.PID) != cmd.Process.Pid || l.Exe != exe || l.UID != testrig.NobodyUID || l.User != "nobody" {
				t.Errorf("nobody's own socket %s: %+v, want pid %d exe %s", l.Key(), l.Listener, cmd.Process.Pid, exe)
			}
		}
	}
	if mine != 2 {
		t.Errorf("nobody's scan lists %d of its own 2 sockets", mine)
	}
}
