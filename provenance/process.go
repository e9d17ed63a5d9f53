package provenance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procStat is what /proc/PID/stat says that provenance needs.
type procStat struct {
	comm      string
	ppid      int32
	ttyNr     int64
	startTime uint64 // clock ticks since boot: tells a reused pid apart
}

// readProcStat parses /proc/PID/stat. The command name sits in parentheses
// and may itself hold spaces and parentheses, so fields are counted from
// the last ')'.
func readProcStat(procRoot string, pid int32) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(int(pid)), "stat"))
	if err != nil {
		return procStat{}, fmt.Errorf("read stat of %d: %w", pid, err)
	}
	return parseProcStat(b)
}

func parseProcStat(b []byte) (procStat, error) {
	open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return procStat{}, fmt.Errorf("malformed stat %q", b)
	}
	// Fields from 3 (state) on; stat(5) numbers them from 1 with comm as 2.
	f := strings.Fields(string(b[closing+1:]))
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("short stat %q", b)
	}
	ppid, _ := strconv.ParseInt(f[1], 10, 32)    // field 4
	tty, _ := strconv.ParseInt(f[4], 10, 64)     // field 7
	start, _ := strconv.ParseUint(f[19], 10, 64) // field 22
	return procStat{comm: string(b[open+1 : closing]), ppid: int32(ppid), ttyNr: tty, startTime: start}, nil
}

// procName is the base name of a process's executable, or its command name
// when the executable link is unreadable (another user's process).
func procName(procRoot string, pid int32, comm string) string {
	if exe, err := os.Readlink(filepath.Join(procRoot, strconv.Itoa(int(pid)), "exe")); err == nil {
		return filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	}
	return comm
}

// shells are the interactive shells whose presence with a terminal among a
// process's ancestors means a person started it by typing.
var shells = map[string]bool{
	"bash": true, "zsh": true, "fish": true, "sh": true, "dash": true,
	"ksh": true, "mksh": true, "tcsh": true, "csh": true, "nu": true,
}

// sessionManagers end the parent chain: above them is only the login.
var sessionManagers = map[string]bool{
	"systemd": true, "init": true, "gnome-session-binary": true, "gnome-session": true,
	"ksmserver": true, "plasma_session": true, "startplasma-x11": true,
	"startplasma-wayland": true, "xfce4-session": true, "lxsession": true,
	"lxqt-session": true, "cinnamon-session": true, "mate-session": true,
}

// maxParents bounds the parent chain.
const maxParents = 8

// ancestry walks up from parent: the names nearest first, at most
// maxParents, ending with pid 1 or a session manager; terminal is set when
// one of them is a shell on a terminal.
func ancestry(procRoot string, parent int32) (names []string, terminal bool) {
	for p := parent; p > 0 && len(names) < maxParents; {
		st, err := readProcStat(procRoot, p)
		if err != nil {
			break
		}
		name := procName(procRoot, p, st.comm)
		names = append(names, name)
		if st.ttyNr != 0 && shells[name] {
			terminal = true
		}
		if p == 1 || sessionManagers[name] {
			break
		}
		p = st.ppid
	}
	return names, terminal
}

// environ returns the wanted variables of a process's environment; an
// unreadable environment (another user's process) gives none.
func environ(procRoot string, pid int32, keys ...string) map[string]string {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(int(pid)), "environ"))
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, kv := range bytes.Split(b, []byte{0}) {
		for _, k := range keys {
			if v, ok := bytes.CutPrefix(kv, []byte(k+"=")); ok {
				out[k] = string(v)
			}
		}
	}
	return out
}

// sameRoot reports whether the process sees the file system we see; a
// process in a container or sandbox names its executable by its own root,
// so our package database says nothing of that path.
func sameRoot(procRoot string, pid int32) bool {
	theirs, err := statFile(filepath.Join(procRoot, strconv.Itoa(int(pid)), "root"))
	if err != nil {
		return true // unreadable: assume the common case
	}
	ours, err := statFile("/")
	if err != nil {
		return true
	}
	return theirs.dev == ours.dev && theirs.ino == ours.ino
}

// flatpakInfo reads the application id from a sandbox's /.flatpak-info,
// seen through /proc/PID/root.
func flatpakInfo(procRoot string, pid int32) string {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(int(pid)), "root/.flatpak-info"))
	if err != nil {
		return ""
	}
	group := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			group = line
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && group == "[Application]" && strings.TrimSpace(k) == "name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
