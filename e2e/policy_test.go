package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/internal/testrig"
	"portlight/monitor/policy"
)

// notifyWithin is how long a notification may take after a bind: the next
// scan (one interval), one more for a scan that raced the bind, and slack
// for a loaded machine.
const notifyWithin = 2*interval + 1500*time.Millisecond

// TestPolicyAllowList: the allow-list goes by executable path and, when
// pinned, by the file's SHA-256. With the resident Portlight running on the
// virtual desktop:
//   - a program allowed by path (`portlight allow PATH`) binds an unassigned
//     port: no notification;
//   - a copy of the same binary, under the same name at another path, binds
//     one: a notification naming that path;
//   - a program allowed with --pin while Portlight runs binds one: none;
//     the same file, changed on disk, binds again: a "changed" notification.
//
// Counted on the bus (every Notify call) and in dunst's history (what the
// user was shown).
func TestPolicyAllowList(t *testing.T) {
	dir := artifacts(t)
	conn := sessionBus(t)
	desktop(t, conn, dir, "pl-")
	notes := recordNotes(t)
	home, bins := t.TempDir(), t.TempDir()
	allowed := testrig.CopySelf(t, filepath.Join(bins, "allowed"), "pl-app")
	copied := testrig.CopySelf(t, filepath.Join(bins, "elsewhere"), "pl-app")
	pinned := testrig.CopySelf(t, filepath.Join(bins, "pinned"), "pl-pinned")
	ports := freeUnassignedPorts(t, 3)
	pAllowed, pCopy, pPinned := ports[0], ports[1], ports[2]
	t.Logf("ports: allowed %d, copy %d, pinned %d", pAllowed, pCopy, pPinned)

	runCLI(t, home, "allow", allowed)
	residentUp(t, dir, home)
	// Allowed while Portlight runs: the change applies at its next scan.
	runCLI(t, home, "allow", pinned, "--pin")
	if list := runCLI(t, home, "allow", "--list"); !strings.Contains(list, pinned) || !strings.Contains(list, allowed) {
		t.Fatalf("allow --list lacks an entry:\n%s", list)
	}
	time.Sleep(interval + 300*time.Millisecond)

	bound := time.Now()
	listenAs(t, allowed, pAllowed)
	pinnedCmd := listenAs(t, pinned, pPinned)
	listenAs(t, copied, pCopy)

	// The copy at another path alerts, and says which file it is.
	n := notes.waitAbout(t, pCopy, notifyWithin)
	t.Logf("copy: %q after %v: %q", n.summary, n.at.Sub(bound).Round(time.Millisecond), n.body)
	if want := fmt.Sprintf("pl-app is listening on unassigned port %d/tcp", pCopy); n.summary != want {
		t.Errorf("title %q, want %q", n.summary, want)
	}
	if !strings.Contains(n.body, copied) {
		t.Errorf("body %q does not name the copy's path %s", n.body, copied)
	}
	time.Sleep(300 * time.Millisecond) // let dunst draw it
	screenshot(t, filepath.Join(dir, "notification-copy.png"))

	// The allowed and the pinned program stay quiet: give them the time the
	// copy had, and one scan more.
	time.Sleep(time.Until(bound.Add(notifyWithin + interval)))
	for _, p := range []uint16{pAllowed, pPinned} {
		if got := notes.about(p); len(got) > 0 {
			t.Errorf("notification for allowed port %d/tcp: %q | %q", p, got[0].summary, got[0].body)
		}
	}

	// The pinned file changes on disk (bytes appended: still the same
	// program to run, not the same file); the program restarts on its port.
	stop(pinnedCmd)
	time.Sleep(interval + 300*time.Millisecond) // Portlight sees it close
	f, err := os.OpenFile(pinned, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\x00portlight e2e: not the pinned file any more"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rebound := time.Now()
	listenAs(t, pinned, pPinned)
	n = notes.waitAbout(t, pPinned, notifyWithin)
	t.Logf("changed: %q after %v: %q", n.summary, n.at.Sub(rebound).Round(time.Millisecond), n.body)
	if want := fmt.Sprintf("pl-pinned on %d/tcp changed since it was allowed", pPinned); n.summary != want {
		t.Errorf("title %q, want %q", n.summary, want)
	}
	// The policy's reason: "changed: PATH no longer matches the SHA-256
	// pinned on DATE" (bounded in the body).
	if !strings.Contains(n.body, "Why: changed: "+pinned+" no longer matches") {
		t.Errorf("body %q does not give the changed reason for %s", n.body, pinned)
	}
	time.Sleep(300 * time.Millisecond)
	screenshot(t, filepath.Join(dir, "notification-changed.png"))
	os.WriteFile(filepath.Join(dir, "notifications.txt"), []byte(notes.dump()), 0o644)

	// What dunst showed: one notification each for the copy and the
	// changed file, none for the allowed program.
	hist := dunstHistory(t)
	for _, c := range []struct {
		port uint16
		want int
	}{{pAllowed, 0}, {pCopy, 1}, {pPinned, 1}} {
		if got := dunstAbout(hist, c.port); got != c.want {
			t.Errorf("dunst history holds %d notifications naming %d/tcp, want %d; bus:\n%s", got, c.port, c.want, notes.dump())
		}
		if got := len(notes.about(c.port)); got != c.want {
			t.Errorf("%d Notify calls name %d/tcp, want %d", got, c.port, c.want)
		}
	}
}

// burstCount matches the number of ports a notification title gives.
var burstCount = regexp.MustCompile(`is listening on (\d+) (?:new|more) ports`)

// TestPolicyBurst: one program binding 200 unassigned ports within about a
// second is at most 3 notifications, whose titles add up to 200 ports. The
// binds are spread over 1.1 s, longer than a scan interval, so that the
// burst straddles scans: the gate's first notice goes at once, and the
// ports of later scans are held and summed up, not one notice per scan.
func TestPolicyBurst(t *testing.T) {
	const n = 200
	dir := artifacts(t)
	conn := sessionBus(t)
	desktop(t, conn, dir, "pl-burst")
	notes := recordNotes(t)
	bin := testrig.CopySelf(t, t.TempDir(), "pl-burst")
	ports := freeUnassignedPorts(t, n)
	residentUp(t, dir, t.TempDir())

	start := time.Now()
	listenSpread(t, bin, 1100*time.Millisecond/n, ports...)
	took := time.Since(start)
	t.Logf("%d ports bound in %v (process start included)", n, took.Round(time.Millisecond))
	if took > 3*time.Second { // 1.1 s of gaps, process start and a loaded machine's oversleeping
		t.Errorf("binding took %v: not a burst", took)
	}
	mine := func(c notifyCall) bool {
		if strings.HasPrefix(c.summary, "pl-burst ") {
			return true
		}
		for _, p := range ports {
			if portToken(p).MatchString(c.summary) || portToken(p).MatchString(c.body) {
				return true
			}
		}
		return false
	}
	total := func(cs []notifyCall) int {
		sum := 0
		for _, c := range cs {
			if m := burstCount.FindStringSubmatch(c.summary); m != nil {
				k, _ := strconv.Atoi(m[1])
				sum += k
			} else if strings.Contains(c.summary, "is listening on unassigned port") {
				sum++
			}
		}
		return sum
	}
	// The gate sends the first notice at once and sums up the rest once the
	// program has been quiet for policy.BurstQuiet; after that, nothing more.
	var got []notifyCall
	waitFor(policy.BurstQuiet+4*interval, func() bool { got = notes.match(mine); return total(got) >= n })
	time.Sleep(time.Until(start.Add(took + policy.BurstQuiet + 3*interval)))
	got = notes.match(mine)
	for _, c := range got {
		t.Logf("%v after the burst: %q | %q", c.at.Sub(start).Round(time.Millisecond), c.summary, c.body)
	}
	if len(got) == 0 || len(got) > 3 {
		t.Errorf("%d notifications for the burst, want 1 to 3; all:\n%s", len(got), notes.dump())
	}
	if sum := total(got); sum != n {
		t.Errorf("the notifications' titles count %d ports, want %d", sum, n)
	}
	time.Sleep(300 * time.Millisecond)
	screenshot(t, filepath.Join(dir, "notification-burst.png"))
	os.WriteFile(filepath.Join(dir, "notifications.txt"), []byte(notes.dump()), 0o644)

	shown := 0
	for _, d := range dunstHistory(t) {
		if d.AppName == "Portlight" && mine(notifyCall{summary: d.Summary, body: d.Body}) {
			shown++
		}
	}
	if shown != len(got) {
		t.Errorf("dunst shows %d notifications for the burst, the bus carried %d", shown, len(got))
	}
}

// TestPolicyRestart: the same program re-binding the same port with a new
// pid is not news. An allowed program that listened before Portlight
// started restarts: no notification. A program that is not allowed alerts
// once; it restarts: no second notification; Portlight itself restarts and
// the program restarts again: still none (the gate's memory is saved).
func TestPolicyRestart(t *testing.T) {
	dir := artifacts(t)
	conn := sessionBus(t)
	desktop(t, conn, dir, "pl-")
	notes := recordNotes(t)
	bins, home := t.TempDir(), t.TempDir()
	known := testrig.CopySelf(t, bins, "pl-known")
	stranger := testrig.CopySelf(t, bins, "pl-stranger")
	ports := freeUnassignedPorts(t, 2)
	pKnown, pStranger := ports[0], ports[1]
	t.Logf("ports: known %d, stranger %d", pKnown, pStranger)

	runCLI(t, home, "allow", known, "--port", strconv.Itoa(int(pKnown)))
	k := listenAs(t, known, pKnown) // in the baseline
	app := residentUp(t, dir, home)
	s := listenAs(t, stranger, pStranger)
	first := notes.waitAbout(t, pStranger, notifyWithin)
	t.Logf("stranger: %q", first.summary)

	// Both restart: down for two scans, then up again with new pids.
	restart := func(k, s *exec.Cmd) (k2, s2 *exec.Cmd) {
		stop(k)
		stop(s)
		time.Sleep(2 * interval)
		return listenAs(t, known, pKnown), listenAs(t, stranger, pStranger)
	}
	k2, s2 := restart(k, s)
	if k2.Process.Pid == k.Process.Pid || s2.Process.Pid == s.Process.Pid {
		t.Fatal("a restarted helper has its old pid")
	}
	time.Sleep(notifyWithin + interval)
	check := func(when string) {
		t.Helper()
		if got := notes.about(pKnown); len(got) != 0 {
			t.Errorf("%s: notification for the allowed, known program: %q", when, got[0].summary)
		}
		if got := notes.about(pStranger); len(got) != 1 {
			t.Errorf("%s: %d notifications for the stranger's port, want the first one only:\n%s", when, len(got), notes.dump())
		}
	}
	check("after the programs restarted")

	// Portlight restarts too; the stranger restarts while it is down.
	app.Process.Signal(syscall.SIGTERM)
	if err := waitExit(t, app, 5*time.Second); err != nil {
		t.Fatalf("portlight exit: %v", err)
	}
	restart(k2, s2)
	residentUp(t, filepath.Join(dir, "second-run"), home)
	time.Sleep(notifyWithin)
	check("after Portlight restarted")
	os.WriteFile(filepath.Join(dir, "notifications.txt"), []byte(notes.dump()), 0o644)

	hist := dunstHistory(t)
	if got := dunstAbout(hist, pKnown); got != 0 {
		t.Errorf("dunst showed %d notifications for the allowed program's port", got)
	}
	if got := dunstAbout(hist, pStranger); got != 1 {
		t.Errorf("dunst showed %d notifications for the stranger's port, want 1", got)
	}
}
