// Package e2e drives Portlight end to end on a virtual desktop: Xvfb, a
// private D-Bus session bus, a StatusNotifierItem watcher (the tray host
// side) and dunst (a real notification daemon). TestMain re-executes the
// test binary inside
//
//	xvfb-run -a -s "-screen 0 1280x800x24" \
//	    dbus-run-session --config-file=testdata/session.conf -- <test binary>
//
// (a session bus without D-Bus activation, see testdata/session.conf), so
// `go test ./e2e` needs no wrapper. Under -short, or when a tool is missing,
// the package is skipped naming it; with PORTLIGHT_REQUIRE_DESKTOP=1 (make
// test) a missing tool fails the run.
package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"portlight/internal/testrig"
)

// Environment variables between the outer and inner runs and the helpers.
const (
	envInner  = "PORTLIGHT_E2E_INNER"  // set inside xvfb-run + dbus-run-session
	envListen = "PORTLIGHT_E2E_LISTEN" // run as a helper listening on this address
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envListen); addr != "" {
		os.Exit(listenHelper(addr))
	}
	if os.Getenv(envInner) == "1" || listing() {
		code := m.Run()
		testrig.RemoveBuilt()
		os.Exit(code)
	}
	os.Exit(reexec())
}

// listing reports whether the test binary only lists tests (go test -list).
func listing() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.list") {
			return true
		}
	}
	return false
}

// reexec runs this test binary again inside a virtual screen and a private
// session bus, and returns its exit status.
func reexec() int {
	skip, err := testrig.MainGate("xvfb-run", "xauth", "dbus-run-session", "dbus-daemon")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if skip != "" {
		fmt.Println("e2e:", skip)
		return 0
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	conf, err := filepath.Abs(filepath.Join("testdata", "session.conf"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	args := append([]string{"-a", "-s", "-screen 0 1280x800x24",
		"dbus-run-session", "--config-file=" + conf, "--", self}, os.Args[1:]...)
	cmd := exec.Command("xvfb-run", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), envInner+"=1")
	// A private session bus only: never the caller's desktop.
	cmd.Env = dropEnv(cmd.Env, "DBUS_SESSION_BUS_ADDRESS", "DISPLAY")
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "e2e: xvfb-run:", err)
		return 1
	}
	return 0
}

func dropEnv(env []string, names ...string) []string {
	out := env[:0:0]
outer:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

// listenHelper is the helper process that binds a port: it listens on addr,
// prints "ready", and holds the socket until killed.
func listenHelper(addr string) int {
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	defer ln.Close()
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	return 0
}
