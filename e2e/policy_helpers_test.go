package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portlight/monitor/portinfo"
)

// envListenAll makes the test binary (or a copy of it) a helper that
// listens on every TCP address of a comma-separated list, prints "ready"
// once all are bound, and holds them until SIGTERM or SIGINT. The role is
// taken in init, before TestMain, so that this file needs no change to
// TestMain's dispatch of the other roles.
// envListenGap, a duration, spaces the binds out.
const (
	envListenAll = "PORTLIGHT_E2E_LISTEN_ALL"
	envListenGap = "PORTLIGHT_E2E_LISTEN_GAP"
)

func init() {
	if addrs := os.Getenv(envListenAll); addrs != "" {
		gap, _ := time.ParseDuration(os.Getenv(envListenGap))
		os.Exit(listenAllHelper(strings.Split(addrs, ","), gap))
	}
}

// listenAllHelper binds addrs, gap apart, and waits.
func listenAllHelper(addrs []string, gap time.Duration) int {
	lns := make([]net.Listener, 0, len(addrs))
	for i, a := range addrs {
		if i > 0 && gap > 0 {
			time.Sleep(gap)
		}
		ln, err := net.Listen("tcp4", a)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		lns = append(lns, ln)
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, ln := range lns {
		ln.Close()
	}
	return 0
}

// listenAs starts the program at bin (the test binary or a copy of it) as
// a helper listening on 0.0.0.0 at every port, and returns once they are
// all bound. The helper is stopped at the end of the test.
func listenAs(t testing.TB, bin string, ports ...uint16) *exec.Cmd {
	t.Helper()
	return listenSpread(t, bin, 0, ports...)
}

// listenSpread is listenAs with the binds gap apart.
func listenSpread(t testing.TB, bin string, gap time.Duration, ports ...uint16) *exec.Cmd {
	t.Helper()
	addrs := make([]string, len(ports))
	for i, p := range ports {
		addrs[i] = fmt.Sprintf("0.0.0.0:%d", p)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), envListenAll+"="+strings.Join(addrs, ","), envListenGap+"="+gap.String())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() { stop(cmd) })
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "ready" {
		stop(cmd)
		t.Fatalf("%s did not bind %d ports", filepath.Base(bin), len(ports))
	}
	return cmd
}

// freeUnassignedPorts returns n distinct TCP ports between 1025 and 32767
// that IANA has not assigned, that have no unofficial use in the data (so
// the policy alerts on them) and that are free on 0.0.0.0 now. The search
// starts at a random port: other test runs on the machine pick ports too.
// The range is below Linux's ephemeral range, so no port-0 bind elsewhere
// takes one meanwhile.
func freeUnassignedPorts(t testing.TB, n int) []uint16 {
	t.Helper()
	const lo, hi = 1025, 32767
	start := lo + rand.IntN(hi-lo)
	var out []uint16
	for i := 0; i <= hi-lo && len(out) < n; i++ {
		p := uint16(lo + (start-lo+i)%(hi-lo+1))
		info := portinfo.Lookup(p, "tcp")
		if info.Status != portinfo.Unassigned || len(info.Unofficial) > 0 {
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
		t.Fatalf("only %d free unassigned ports in %d-%d, want %d", len(out), lo, hi, n)
	}
	return out
}

// runCLI runs a headless `portlight` sub-command with PORTLIGHT_HOME=home
// and returns its output; it fails the test when the command fails.
func runCLI(t testing.TB, home string, args ...string) string {
	t.Helper()
	cmd := exec.Command(portlight(t), args...)
	cmd.Env = append(os.Environ(), "PORTLIGHT_HOME="+home, "LANG=en_US.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("portlight %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// noteLog keeps every Notify call seen on the test's session bus.
type noteLog struct {
	mu    sync.Mutex
	notes []notifyCall
}

// recordNotes eavesdrops on Notify calls (see watchNotify) and keeps them.
func recordNotes(t testing.TB) *noteLog {
	t.Helper()
	ch := watchNotify(t)
	l := &noteLog{}
	go func() {
		for n := range ch {
			l.mu.Lock()
			l.notes = append(l.notes, n)
			l.mu.Unlock()
		}
	}()
	return l
}

// portToken is "N/tcp" not preceded by a digit: 1028/tcp but not 11028/tcp.
func portToken(port uint16) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`(^|[^0-9])%d/tcp`, port))
}

// about returns the notifications whose title or body names port.
func (l *noteLog) about(port uint16) []notifyCall {
	re := portToken(port)
	return l.match(func(n notifyCall) bool { return re.MatchString(n.summary) || re.MatchString(n.body) })
}

// match returns the notifications that satisfy f, oldest first.
func (l *noteLog) match(f func(notifyCall) bool) []notifyCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []notifyCall
	for _, n := range l.notes {
		if f(n) {
			out = append(out, n)
		}
	}
	return out
}

// waitAbout waits up to d for a notification naming port and returns it.
func (l *noteLog) waitAbout(t testing.TB, port uint16, d time.Duration) notifyCall {
	t.Helper()
	var got []notifyCall
	if !waitFor(d, func() bool { got = l.about(port); return len(got) > 0 }) {
		t.Fatalf("no notification naming %d/tcp within %v; all notifications:\n%s", port, d, l.dump())
	}
	return got[0]
}

// dump lists every notification seen, for failure messages.
func (l *noteLog) dump() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, n := range l.notes {
		fmt.Fprintf(&b, "  %s %q | %q\n", n.at.Format("15:04:05.000"), n.summary, n.body)
	}
	return b.String()
}

// dunstNote is one notification in dunst's history.
type dunstNote struct {
	AppName, Summary, Body string
}

// dunstHistory closes every notification dunst shows or queues, so that
// all of them are in its history, and returns the history, newest first.
// It is what the user was shown, as the daemon recorded it. Bubbles are
// gone afterwards: take screenshots first.
func dunstHistory(t testing.TB) []dunstNote {
	t.Helper()
	count := func(what string) int {
		out, err := exec.Command("dunstctl", "count", what).Output()
		if err != nil {
			t.Fatalf("dunstctl count %s: %v", what, err)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	if !waitFor(5*time.Second, func() bool {
		if count("displayed")+count("waiting") == 0 {
			return true
		}
		exec.Command("dunstctl", "close-all").Run()
		return false
	}) {
		t.Fatal("dunst still shows notifications after close-all for 5 s")
	}
	out, err := exec.Command("dunstctl", "history").Output()
	if err != nil {
		t.Fatalf("dunstctl history: %v", err)
	}
	type str struct {
		Data string `json:"data"`
	}
	var h struct {
		Data [][]map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatalf("dunstctl history: %v\n%s", err, out)
	}
	var notes []dunstNote
	for _, group := range h.Data {
		for _, m := range group {
			var app, sum, body str
			json.Unmarshal(m["appname"], &app)
			json.Unmarshal(m["summary"], &sum)
			json.Unmarshal(m["body"], &body)
			notes = append(notes, dunstNote{AppName: app.Data, Summary: sum.Data, Body: body.Data})
		}
	}
	return notes
}

// dunstAbout counts Portlight's notifications in a dunst history that name
// port.
func dunstAbout(notes []dunstNote, port uint16) int {
	re := portToken(port)
	n := 0
	for _, d := range notes {
		if d.AppName == "Portlight" && (re.MatchString(d.Summary) || re.MatchString(d.Body)) {
			n++
		}
	}
	return n
}

// residentUp starts a resident Portlight with home, waits for its tray
// and its first scan (the baseline: what binds later is news) and returns
// it.
func residentUp(t testing.TB, dir, home string) *exec.Cmd {
	t.Helper()
	conn := sessionBus(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	app := startPortlight(t, dir, home)
	if !waitFor(10*time.Second, func() bool { return registeredBy(conn, app.Process.Pid) }) {
		t.Fatal("tray not registered within 10 s")
	}
	waitFirstScan(t, conn, app.Process.Pid)
	return app
}
