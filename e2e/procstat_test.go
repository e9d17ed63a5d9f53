package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// switches returns the context switches (voluntary and involuntary) of
// every thread of pid, from /proc/PID/task/*/status: each is a time a
// thread of the process went off the CPU, so the growth over a window is
// the process's wake-ups. A thread that exited meanwhile takes its count
// with it; the Go runtime rarely ends threads. vol counts the voluntary
// ones alone: a thread that went to sleep, so one wake-up each; the
// involuntary ones are the machine's other load taking the CPU.
func switches(pid int) (all, vol int64, err error) {
	dirs, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || len(dirs) == 0 {
		return 0, 0, fmt.Errorf("no threads of %d", pid)
	}
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "status"))
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok || (k != "voluntary_ctxt_switches" && k != "nonvoluntary_ctxt_switches") {
				continue
			}
			c, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("parse %s/status: %w", d, err)
			}
			all += c
			if k == "voluntary_ctxt_switches" {
				vol += c
			}
		}
	}
	return all, vol, nil
}

// cpuNS returns the CPU time of every thread of pid in nanoseconds, from
// /proc/PID/task/*/schedstat: finer than /proc/PID/stat's 10 ms ticks,
// which an idle process spends a few of per minute.
func cpuNS(pid int) (int64, error) {
	dirs, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || len(dirs) == 0 {
		return 0, fmt.Errorf("no threads of %d", pid)
	}
	var n int64
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "schedstat"))
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, fmt.Errorf("empty %s/schedstat", d)
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s/schedstat: %w", d, err)
		}
		n += ns
	}
	return n, nil
}

// memory is what /proc/PID/smaps_rollup says of a process's memory, in kB.
type memory struct {
	RSS, PSS, Anon, PSSAnon, PSSFile int64
}

// rollup reads /proc/PID/smaps_rollup. PSS charges each shared page to
// its sharers in part: the process's fair share of the machine's memory.
func rollup(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	fields := map[string]*int64{"Rss": &m.RSS, "Pss": &m.PSS, "Anonymous": &m.Anon,
		"Pss_Anon": &m.PSSAnon, "Pss_File": &m.PSSFile}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if p := fields[k]; ok && p != nil {
			*p, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no Rss in /proc/%d/smaps_rollup", pid)
	}
	return m, nil
}

// mb formats kB as MB.
func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

// forked returns the process unshare --fork (pid) started, once there is one.
func forked(t testing.TB, pid int) int {
	t.Helper()
	var child int
	ok := waitFor(5*time.Second, func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		if err != nil {
			return false
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return false
		}
		child, err = strconv.Atoi(f[0])
		return err == nil
	})
	if !ok {
		t.Fatalf("unshare (pid %d) started no process within 5 s", pid)
	}
	return child
}
