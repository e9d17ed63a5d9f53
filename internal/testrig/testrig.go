// Package testrig is Portlight's test kit: the one place that decides
// whether a test that needs desktop tools (Xvfb, a session bus, dunst,
// xdotool, ...) or a lot of time runs, skips or fails, plus the small helpers
// tests shared by copying: a goroutine-safe buffer, log capture, running a
// child as nobody and tying a child's life to the test's.
//
// Two loops use it. The fast loop, `go test -short ./...`, runs on a laptop
// with Go and the build packages only: slow tests skip, and so does a test
// whose tool is missing, naming the tool. The full loop, `make test`, sets
// PORTLIGHT_REQUIRE_DESKTOP=1: there a missing tool fails the test, so a
// broken CI image cannot pass by skipping.
//
// Only tests import this package.
package testrig

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireEnv is the environment variable that turns a missing tool from a
// skip into a failure. `make test` and CI set it to 1.
const RequireEnv = "PORTLIGHT_REQUIRE_DESKTOP"

// Required reports whether RequireEnv is set to 1: every tool a test needs
// must then be present.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing returns the tools, among those named, that are not on PATH, in
// the order given.
func Missing(tools ...string) []string {
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	return missing
}

// tb is the part of testing.TB that the gates use; tests of this package
// pass a recorder.
type tb interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// RequireTool skips the test when one of the tools is not on PATH, naming
// the missing ones, or fails it when PORTLIGHT_REQUIRE_DESKTOP=1.
func RequireTool(t testing.TB, tools ...string) {
	t.Helper()
	requireTool(t, tools...)
}

func requireTool(t tb, tools ...string) {
	t.Helper()
	msg := MissingMessage(tools...)
	if msg == "" {
		return
	}
	if Required() {
		t.Fatalf("%s (%s=1: every tool must be present)", msg, RequireEnv)
		return
	}
	t.Skipf("skipped: %s", msg)
}

// MissingMessage names the tools that are not on PATH with the Debian
// packages that hold them ("" when all are present).
func MissingMessage(tools ...string) string {
	missing := Missing(tools...)
	if len(missing) == 0 {
		return ""
	}
	named := make([]string, len(missing))
	for i, tool := range missing {
		named[i] = tool
		if pkg := debianPackage[tool]; pkg != "" {
			named[i] += " (apt-get install " + pkg + ")"
		}
	}
	return "missing tool " + strings.Join(named, ", ")
}

// debianPackage names the Debian 12 package of each tool the tests use
// (scripts/deps.sh installs them).
var debianPackage = map[string]string{
	"xvfb-run":                "xvfb",
	"Xvfb":                    "xvfb",
	"xauth":                   "xauth",
	"dbus-daemon":             "dbus",
	"dbus-run-session":        "dbus",
	"dbus-launch":             "dbus-x11",
	"dunst":                   "dunst",
	"dunstctl":                "dunst",
	"notify-send":             "libnotify-bin",
	"xdotool":                 "xdotool",
	"xwininfo":                "x11-utils",
	"xprop":                   "x11-utils",
	"import":                  "imagemagick",
	"convert":                 "imagemagick",
	"unshare":                 "util-linux",
	"status-notifier-watcher": "haskell-status-notifier-item-utils",
	"desktop-file-validate":   "desktop-file-utils",
	"setpriv":                 "util-linux",
	"flock":                   "util-linux",
	"ss":                      "iproute2",
	"podman":                  "podman",
	"runc":                    "runc",
	"busybox":                 "busybox-static",
	"iptables":                "iptables",
}

// Slow skips the test under `go test -short`, saying why it is slow. The
// full loop (no -short) runs it.
func Slow(t testing.TB, why string) {
	t.Helper()
	slow(t, testing.Short(), why)
}

func slow(t tb, short bool, why string) {
	t.Helper()
	if short {
		t.Skipf("skipped under -short: %s", why)
	}
}

// Desktop gates a desktop test: it skips under -short (a desktop test
// starts an Xvfb and daemons, seconds each), then requires the tools as
// RequireTool does.
func Desktop(t testing.TB, tools ...string) {
	t.Helper()
	Slow(t, "a desktop test (needs "+strings.Join(tools, ", ")+")")
	RequireTool(t, tools...)
}

// MainGate decides, in a TestMain before m.Run, whether a package made only
// of desktop tests runs: it returns a reason to skip the whole package
// ("" to run), or an error when a tool is missing and
// PORTLIGHT_REQUIRE_DESKTOP=1. It parses the test flags to see -short.
func MainGate(tools ...string) (skip string, err error) {
	if !flag.Parsed() {
		flag.Parse()
	}
	return mainGate(testing.Short(), tools...)
}

func mainGate(short bool, tools ...string) (string, error) {
	if short {
		return "skipped under -short: desktop tests (need " + strings.Join(tools, ", ") + ")", nil
	}
	msg := MissingMessage(tools...)
	switch {
	case msg == "":
		return "", nil
	case Required():
		return "", fmt.Errorf("%s (%s=1: every tool must be present)", msg, RequireEnv)
	default:
		return "skipped: " + msg, nil
	}
}

// Need skips the test, saying what it needs, when ok is false (a tool,
// a privilege or a Debian system that is not there), or fails it when
// RequireEnv is set.
func Need(t testing.TB, ok bool, what string) {
	t.Helper()
	need(t, ok, Required(), what)
}

func need(t tb, ok, required bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if required {
		t.Fatalf("needs %s", what)
		return
	}
	t.Skipf("needs %s", what)
}

// NeedUnlessShort is Need for a test that must run in the full loop even
// without RequireEnv: when ok is false it skips only under -short (and not
// RequireEnv), and fails otherwise.
func NeedUnlessShort(t testing.TB, ok bool, what string) {
	t.Helper()
	need(t, ok, Required() || !testing.Short(), what)
}
