//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"portlight/internal/testrig"
	"portlight/monitor/policy"
)

// malicious starts the listeners that must alert, each reachable from the
// network on an IANA-assigned port above 1024 (nobody cannot bind below),
// and each doing one thing the policy names.
func (w *world) malicious(python string) []worldListener {
	t := w.t
	ports := freeAssignedPorts(t, 11, 3306, 5432, 8443, 4444, 1723, 8081, 6667, 3389, 5900, 9090,
		1433, 1521, 5060, 6379, 27017, 11211, 5672, 9200, 1883, 8883)
	next := func() uint16 { p := ports[0]; ports = ports[1:]; return p }
	anyAddr := func(p uint16) []string { return []string{fmt.Sprintf("tcp4:0.0.0.0:%d", p)} }
	var ls []worldListener
	add := func(program, how string, port uint16, want policy.Trigger, reason string, holders ...int) {
		ls = append(ls, worldListener{program: program, how: how, proto: "tcp", addr: "0.0.0.0", port: port,
			malicious: true, want: want, high: true, reason: reason, holders: holders})
	}

	// 1. A bind shell dropped in /dev/shm under a system daemon's name.
	shm, err := os.MkdirTemp("/dev/shm", "portlight-world-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	if err := os.Chmod(shm, 0o755); err != nil {
		t.Fatal(err)
	}
	sshd := testrig.CopySelf(t, shm, "sshd")
	p := next()
	w.startRole(sshd, "sshd", anyAddr(p))
	add("sshd from /dev/shm", shm+"/sshd, argv[0] sshd", p, policy.TriggerExeWritable, "")

	// 2. A program that deletes its file once started.
	gone := w.place(filepath.Join(w.home, "bin-tmp", "x"))
	p = next()
	w.startRole(gone, "", anyAddr(p))
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	add("deleted after start", "~/bin-tmp/x, unlinked once listening", p, policy.TriggerExeDeleted, "")

	// 3. A program run from memory: memfd_create, exec /proc/self/fd/N.
	p = next()
	w.startRole(w.self, "", anyAddr(p), "memfd")
	add("memfd executable", "test binary copied into a memfd, exec /proc/self/fd/N", p, policy.TriggerExeMemfd, "")

	// 4. The system's python running a script from /tmp, and code from
	// its command line.
	code := "import socket,sys,time\n" +
		"s=socket.socket()\ns.bind(('0.0.0.0',int(sys.argv[-1])))\ns.listen()\n" +
		"print('ready',flush=True)\ntime.sleep(100000)\n"
	script := filepath.Join(w.tmp, "py", "x.py")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	p = next()
	w.startReady(w.command(w.home, python, script, fmt.Sprint(p)))
	add("python3 script in /tmp", "/usr/bin/python3 "+script, p, policy.TriggerInterpreterScript, "runs the script")
	p = next()
	w.startReady(w.command(w.home, python, "-c", strings.ReplaceAll(code, "\n", ";"), fmt.Sprint(p)))
	add("python3 -c", "/usr/bin/python3 -c '<bind code>'", p, policy.TriggerInterpreterScript, "code given on its command line")

	// 5. Programs hidden in a dot-folder of the home, and in the cache.
	hidden := w.place(filepath.Join(w.home, ".hidden", "y"))
	p = next()
	w.startRole(hidden, "", anyAddr(p))
	add("hidden in the home", "~/.hidden/y", p, policy.TriggerExeWritable, "a hidden folder of the home")
	cached := w.place(filepath.Join(w.home, ".cache", ".x", "y"))
	p = next()
	w.startRole(cached, "", anyAddr(p))
	add("hidden in the cache", "~/.cache/.x/y", p, policy.TriggerExeWritable, "the cache folder")

	// 6. A decoy: a dropped program binds, then forks a child that runs an
	// allowed program with the socket, and stays alive.
	sleep, err := filepath.EvalSymlinks("/usr/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	w.cli("allow", sleep)
	dropped := testrig.CopySelf(t, filepath.Join(w.tmp, "drop"), "x")
	p = next()
	parent, decoy := w.startRole(dropped, "", anyAddr(p), "decoy="+sleep)
	add("decoy: /tmp program + allowed child", dropped+" forks "+sleep+" (allowed) holding the socket",
		p, policy.TriggerExeWritable, "", parent.Process.Pid, decoy)

	// 7. A kernel thread's name on a downloaded program.
	kw := w.place(filepath.Join(w.home, "Downloads", "kworker"))
	p = next()
	w.startRole(kw, "", anyAddr(p), "comm=kworker/0:1")
	add("kernel-thread mimic", "~/Downloads/kworker, comm kworker/0:1 (PR_SET_NAME)", p, policy.TriggerNameMimics, "kernel thread")

	// 8. A packaged file modified after install.
	f, err := os.OpenFile(tamperedPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("appended by an intruder")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	p = next()
	w.startRole(tamperedPath, "", anyAddr(p))
	add("packaged file modified", tamperedPath+" ("+worldPackage+"), bytes appended after install",
		p, policy.TriggerPackageMismatch, "")

	// 9. One of the user's own programs hiding from its user.
	hider := w.place(filepath.Join(w.home, ".local", "bin", "syncd"))
	p = next()
	w.startRole(hider, "", anyAddr(p), "nodump")
	add("own-uid hidden owner", "~/.local/bin/syncd, prctl(PR_SET_DUMPABLE, 0)", p, policy.TriggerSelfHidden, "")
	return ls
}

// worldRow is one line of the world's table: a listener and its verdict.
type worldRow struct {
	l       worldListener
	a       policy.Assessment
	missing bool
}

// worldTable renders the world as a Markdown table.
func worldTable(rows []worldRow) string {
	var b strings.Builder
	b.WriteString("| program | how it runs | listener | origin | expected | alert | severity | triggers |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		want := "quiet"
		if r.l.malicious {
			want = "alert: " + string(r.l.want)
		}
		alert, sev, trig, origin := "not found", "", "", ""
		if !r.missing {
			if o := r.a.Origin; o.Package != "" {
				origin = o.Package
				if o.Integrity != "" {
					origin += " (" + string(o.Integrity) + ")"
				}
			}
			v := r.a.Verdict
			alert, sev = fmt.Sprint(v.Alert), string(v.Severity)
			var ts []string
			for _, x := range v.Triggers {
				ts = append(ts, string(x))
			}
			trig = strings.Join(ts, ", ")
			if len(r.a.Holders) > 1 {
				trig += fmt.Sprintf(" (%d holders)", len(r.a.Holders))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s %s:%d | %s | %s | %s | %s | %s |\n", r.l.program,
			strings.ReplaceAll(r.l.how, "|", `\|`), r.l.proto, r.l.addr, r.l.port, origin, want, alert, sev, trig)
	}
	return b.String()
}
