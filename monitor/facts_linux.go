package monitor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// procReader reads a process's facts straight from /proc with bounded reads
// into reused buffers: a process with a command line of megabytes costs
// what the bounds of argv.go keep, and no more, even while it is read.
// It is not safe for concurrent use (the Scanner serialises scans).
type procReader struct {
	root   string
	fs     *procfs
	buf    []byte // maxCmdlineBytes: the command line, the environment in pieces
	selfNS uint64
	boot   time.Time // when the machine booted, to the second (zero: unknown)
}

func newProcReader(root string) *procReader {
	r := &procReader{fs: newProcfs(root), buf: make([]byte, maxCmdlineBytes)}
	r.root = r.fs.root
	r.selfNS = r.fs.selfMountNS()
	r.boot = bootTime(r.root)
	return r
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture (the kernel ABI fixes it, whatever CONFIG_HZ is).
const clockTicks = 100

// read returns the facts of pid. A field that cannot be read (the exe, cwd
// and environment of another user's process) is left empty; only a process
// whose stat is gone is an error.
func (r *procReader) read(_ context.Context, pid int32, userName func(uint32) string) (Process, error) {
	comm, ppid, start, err := r.fs.stat(pid)
	if err != nil {
		return Process{}, errProcessGone
	}
	p := Process{PID: pid, PPID: ppid, Name: comm}
	if !r.boot.IsZero() {
		// Whole seconds, as gopsutil computed it: start times recorded in the
		// history by earlier versions stay comparable.
		p.StartTime = r.boot.Add(time.Duration(start/clockTicks) * time.Second)
	}
	if uid, ok := r.fs.realUID(pid); ok {
		p.User = userName(uid)
	}
	p.Exe, p.Identity = r.fs.exeIdentity(pid, r.selfNS)
	p.Argv = r.argv(pid)
	p.Cmdline = joinArgv(p.Argv)
	if len(comm) >= 15 && len(p.Argv) > 0 {
		// The kernel keeps 15 bytes of the name: take the whole name from
		// argv[0] when it starts the same (what ps and gopsutil show).
		if base := filepath.Base(p.Argv[0]); len(base) > len(comm) && base[:len(comm)] == comm {
			p.Name = base
		}
	}
	p.Cwd = r.fs.readLink(pid, "/cwd")
	p.Script = r.script(pid, p)
	return p, nil
}

// script is ScriptOf for the process, told by its true executable: argv[0]
// is whatever the process chose. Only when the executable is unreadable
// does argv[0] decide (and then a liar can make Script say what it likes:
// such a process is another user's, and judged as hidden anyway).
func (r *procReader) script(pid int32, p Process) string {
	if len(p.Argv) == 0 {
		return ""
	}
	prog := p.Exe
	if prog == "" || filepath.Base(prog) == "busybox" {
		prog = p.Argv[0]
	}
	l := interpreterOf(prog)
	if l == langNone && p.Exe != "" && electronApp(p.Exe) && r.envSet(pid, "ELECTRON_RUN_AS_NODE") {
		l = langNode
	}
	s, _ := scriptOf(l, p.Argv[1:], p.Cwd)
	return s
}

// electronApp reports whether exe looks like an Electron application: the
// Chromium resource pack or an app archive next to it. Checked before the
// environment is read, so that an ELECTRON_RUN_AS_NODE inherited by any
// program does not make its first argument a script.
func electronApp(exe string) bool {
	dir := filepath.Dir(exe)
	for _, f := range []string{"resources.pak", "resources/app.asar"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// argv reads pid's command line within the bounds of argv.go.
func (r *procReader) argv(pid int32) []string {
	r.fs.pidPath(pid, "/cmdline")
	fd, err := openat(unix.AT_FDCWD, &r.fs.path[0], unix.O_RDONLY)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	n := readFull(fd, r.buf)
	more := false
	if n == len(r.buf) {
		var one [1]byte
		more = readFull(fd, one[:]) == 1
	}
	return splitCmdline(r.buf[:n], more)
}

// maxEnvironBytes caps how much of an environment is searched.
const maxEnvironBytes = 1 << 20

// envSet reports whether pid's environment sets name to a non-empty value
// other than "0". It reads /proc/PID/environ in pieces into the reused
// buffer and keeps only the start of each entry; an unreadable environment
// (another user's process) is false.
func (r *procReader) envSet(pid int32, name string) bool {
	r.fs.pidPath(pid, "/environ")
	fd, err := openat(unix.AT_FDCWD, &r.fs.path[0], unix.O_RDONLY)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var head [64]byte // the start of the current entry
	hn := 0
	match := func() bool {
		v, ok := bytes.CutPrefix(head[:hn], []byte(name+"="))
		return ok && len(v) > 0 && string(v) != "0"
	}
	for total := 0; total < maxEnvironBytes; {
		m := readFull(fd, r.buf)
		if m == 0 {
			break
		}
		total += m
		for b := r.buf[:m]; len(b) > 0; {
			j := bytes.IndexByte(b, 0)
			if j < 0 {
				hn += copy(head[hn:], b)
				break
			}
			hn += copy(head[hn:], b[:j])
			if match() {
				return true
			}
			hn, b = 0, b[j+1:]
		}
	}
	return match()
}

// readFull reads from fd until buf is full or the end of the file; it
// returns how many bytes it read (an error ends the read).
func readFull(fd int, buf []byte) int {
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		n += m
	}
	return n
}

// stat reads /proc/PID/stat: the command name (field 2), the parent's pid
// (field 4) and the start time in clock ticks after boot (field 22).
func (p *procfs) stat(pid int32) (comm string, ppid int32, start uint64, err error) {
	p.pidPath(pid, "/stat")
	b, err := p.readFile(false)
	if err != nil {
		return "", 0, 0, err
	}
	// The name may hold spaces and parentheses: it ends at the last ')'.
	i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if i < 0 || j < i {
		return "", 0, 0, errors.New("stat: no command name")
	}
	f := bytes.Fields(b[j+1:])
	if len(f) < 20 {
		return "", 0, 0, errors.New("stat: too few fields")
	}
	pp, err := parseDec(f[1])
	if err != nil {
		return "", 0, 0, err
	}
	start, err = parseDec(f[19])
	return string(b[i+1 : j]), int32(pp), start, err
}

// realUID reads the real uid from /proc/PID/status (as gopsutil's Username
// did).
func (p *procfs) realUID(pid int32) (uint32, bool) {
	p.pidPath(pid, "/status")
	b, err := p.readFile(false)
	if err != nil {
		return 0, false
	}
	_, rest, ok := bytes.Cut(b, []byte("\nUid:"))
	if !ok {
		return 0, false
	}
	f := bytes.Fields(rest)
	if len(f) == 0 {
		return 0, false
	}
	v, err := parseDec(f[0])
	return uint32(v), err == nil && v < 1<<32
}

// readLink returns the target of /proc/PID<suffix>, "" when unreadable.
func (p *procfs) readLink(pid int32, suffix string) string {
	p.pidPath(pid, suffix)
	n, err := readlinkat(unix.AT_FDCWD, &p.path[0], p.link)
	if err != nil || n == len(p.link) {
		return ""
	}
	return string(p.link[:n])
}

// bootTime reads when the machine booted (btime of /proc/stat); zero when
// it cannot.
func bootTime(root string) time.Time {
	b, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return time.Time{}
	}
	_, rest, ok := bytes.Cut(b, []byte("\nbtime "))
	if !ok {
		return time.Time{}
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	v, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(v, 0)
}
