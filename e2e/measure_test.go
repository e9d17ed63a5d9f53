package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// BenchmarkResidentIdle measures the resident process at rest on the
// virtual desktop (tray host and notification daemon running, monitor
// scanning every second): CPU time as a percentage of one core, wake-ups
// per second (context switches of all its threads), RSS, and at the end
// PSS and anonymous memory (/proc/PID/smaps_rollup), sampled over
// PORTLIGHT_MEASURE_SECONDS (default 60) after a settling time of
// PORTLIGHT_MEASURE_SETTLE seconds (default 40: the start-up's work and
// its garbage are behind). Targets: ≤ 0.05 % of a core, about one
// wake-up per scan, ≤ 15 MB.
//
// The report counts the listening sockets that came and went on the
// machine meanwhile: on a machine running other tests the figure is not an
// idle one. PORTLIGHT_MEASURE_NETNS=1 runs Portlight in a network namespace
// and PID namespace of its own (unshare, needs CAP_SYS_ADMIN) for a quiet
// view: the small world of a desktop, whatever else the machine runs.
// PORTLIGHT_MEASURE_BIN names a built portlight to measure instead of
// building this tree's (before and after, back to back).
//
//	go test ./e2e -run '^$' -bench ResidentIdle -benchtime 1x
func BenchmarkResidentIdle(b *testing.B) {
	window := 60 * time.Second
	if s := os.Getenv("PORTLIGHT_MEASURE_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("PORTLIGHT_MEASURE_SECONDS=%q", s)
		}
		window = time.Duration(n) * time.Second
	}
	settle := 40 * time.Second
	if s := os.Getenv("PORTLIGHT_MEASURE_SETTLE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			b.Fatalf("PORTLIGHT_MEASURE_SETTLE=%q", s)
		}
		settle = time.Duration(n) * time.Second
	}
	dir := artifacts(b)
	conn := sessionBus(b)
	desktop(b, conn, dir, "")
	bin := os.Getenv("PORTLIGHT_MEASURE_BIN")
	if bin == "" {
		bin = portlight(b) // build before the clock starts
	}

	// Something for the monitor to see: one listener, as on a quiet desktop.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	extraNamespaces(b) // PORTLIGHT_MEASURE_EXTRA_NETNS=N: N other namespaces to read

	for b.Loop() {
		var app *exec.Cmd
		if os.Getenv("PORTLIGHT_MEASURE_NETNS") == "1" {
			// A private network namespace: no other program's listeners
			// come and go, as on an idle desktop. D-Bus still works: the
			// test's bus listens on a socket path (testdata/session.conf),
			// not in the abstract namespace, which is per network namespace.
			// Its own PID namespace too: as root, the scanner would see
			// every other process's network namespace through /proc.
			testrig.RequireTool(b, "unshare")
			app = start(b, filepath.Join(dir, "portlight.log"),
				[]string{"PORTLIGHT_HOME=" + b.TempDir(), "LANG=en_US.UTF-8"},
				"unshare", "--net", "--pid", "--mount", "--fork", "--mount-proc", "--kill-child=SIGTERM", "--", bin)
		} else {
			home := b.TempDir()
			b.Cleanup(func() { endHome(home) })
			app = start(b, filepath.Join(dir, "portlight.log"),
				[]string{"PORTLIGHT_HOME=" + home, "LANG=en_US.UTF-8"}, bin)
		}
		pid := app.Process.Pid
		if os.Getenv("PORTLIGHT_MEASURE_NETNS") == "1" {
			pid = forked(b, pid)
		}
		if !waitFor(10*time.Second, func() bool { return registeredBy(conn, pid) }) {
			b.Fatal("tray not registered within 10 s")
		}
		time.Sleep(settle)
		tick := clockTicks()
		cpu0, err := cpuTicks(pid)
		if err != nil {
			b.Fatal(err)
		}
		sw0, vol0, err := switches(pid)
		if err != nil {
			b.Fatal(err)
		}
		ns0, err := cpuNS(pid)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var rssMax, rssSum, n float64
		seen := listening()
		lmin, lmax, churn := len(seen), len(seen), 0
		for time.Since(start) < window {
			time.Sleep(time.Second)
			now := listening()
			churn += changes(seen, now)
			seen = now
			lmin, lmax = min(lmin, len(now)), max(lmax, len(now))
			rss, err := rssMB(pid)
			if err != nil {
				b.Fatalf("portlight died during the measurement: %v", err)
			}
			rssMax = max(rssMax, rss)
			rssSum += rss
			n++
		}
		cpu1, err := cpuTicks(pid)
		if err != nil {
			b.Fatal(err)
		}
		sw1, vol1, err := switches(pid)
		if err != nil {
			b.Fatal(err)
		}
		ns1, err := cpuNS(pid)
		if err != nil {
			b.Fatal(err)
		}
		mem, err := rollup(pid)
		if err != nil {
			b.Fatal(err)
		}
		_, file := rssParts(pid)
		elapsed := time.Since(start).Seconds()
		cpuPct := float64(ns1-ns0) / 1e9 / elapsed * 100
		wakes := float64(sw1-sw0) / elapsed
		sleeps := float64(vol1-vol0) / elapsed
		b.ReportMetric(cpuPct, "cpu%")
		b.ReportMetric(wakes, "wakeups/s")
		b.ReportMetric(sleeps, "voluntary/s")
		b.ReportMetric(rssMax, "rssMB")
		b.ReportMetric(float64(mem.PSS)/1024, "pssMB")
		b.ReportMetric(float64(mem.Anon)/1024, "anonMB")
		b.ReportMetric(float64(churn), "listener-changes")
		report := fmt.Sprintf("resident idle over %.0f s after %.0f s settling: CPU %.3f %% of one core (%d ticks of 1/%.0f s in /proc/PID/stat), %.2f wake-ups/s (%.2f of them voluntary), RSS max %.1f MB, mean %.1f MB; at the end: RSS %s, PSS %s (anonymous %s, file %s), anonymous %s, file-backed %s (targets: ≤ 0.05 %%, one wake-up per scan, ≤ 15 MB); the machine had %d–%d listening sockets and %d opened or closed during the window (sampled each second; not idle when > 0)\n",
			elapsed, settle.Seconds(), cpuPct, cpu1-cpu0, tick, wakes, sleeps, rssMax, rssSum/n,
			mb(mem.RSS), mb(mem.PSS), mb(mem.PSSAnon), mb(mem.PSSFile), mb(mem.Anon), file, lmin, lmax, churn)
		if os.Getenv("PORTLIGHT_MEASURE_NETNS") == "1" {
			report = strings.Replace(report, "the machine had", "Portlight ran in network and PID namespaces of its own, outside which the machine had", 1)
		}
		fmt.Print(report)
		os.WriteFile(filepath.Join(dir, "measure.txt"), []byte(report), 0o644)
		if pid != app.Process.Pid {
			// unshare --fork blocks SIGTERM while it waits: end its child.
			syscall.Kill(pid, syscall.SIGTERM)
		}
		stop(app)
	}
}

// listening returns the machine's listening TCP and bound UDP sockets
// (by inode) from /proc/net, to tell an idle measurement from a busy one.
func listening() map[string]bool {
	out := map[string]bool{}
	for _, f := range []struct{ name, state string }{
		{"tcp", "0A"}, {"tcp6", "0A"}, {"udp", "07"}, {"udp6", "07"},
	} {
		b, err := os.ReadFile("/proc/net/" + f.name)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fl := strings.Fields(line)
			if len(fl) > 9 && fl[3] == f.state {
				out[f.name+" "+fl[9]] = true
			}
		}
	}
	return out
}

// changes counts sockets in one set and not the other.
func changes(a, b map[string]bool) int {
	n := 0
	for k := range a {
		if !b[k] {
			n++
		}
	}
	for k := range b {
		if !a[k] {
			n++
		}
	}
	return n
}

// clockTicks is the kernel's USER_HZ: /proc/PID/stat counts in 1/100 s on
// every Linux architecture Go supports.
func clockTicks() float64 { return 100 }

// cpuTicks returns utime+stime of pid from /proc/PID/stat.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// After the command: state(0) ppid(1) ... utime(11) stime(12).
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s2, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%d/stat: %q %q", pid, f[11], f[12])
	}
	return u + s2, nil
}

// rssParts returns RssAnon and RssFile of pid as written in /proc/PID/status.
func rssParts(pid int) (anon, file string) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			anon = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			file = strings.TrimSpace(v)
		}
	}
	return anon, file
}

// rssMB returns VmRSS of pid in MB.
func rssMB(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
