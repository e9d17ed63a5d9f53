package resident

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseCodePages hands back the pages of this program's code and
// read-only data that the start-up touched (the first full /proc walk,
// the port registry, the tray's menu, the packages' initialisation): the
// idle loop needs a small part of them, and the kernel maps that part
// again from the page cache on first use, a minor fault each. It is to the
// file-backed pages what debug.FreeOSMemory is to the heap: without it
// they stay counted in RSS until memory runs short. Only read-only
// mappings of the executable with no private copies (smaps' Anonymous: 0)
// are dropped, so nothing but clean file pages is ever given up. It
// returns how many bytes were resident in what it dropped.
func releaseCodePages() (int64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("release code pages: %w", err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("release code pages: %w", err)
	}
	var freed int64
	for _, m := range ownMappings(b, exe) {
		// The raw call: the range is code, not a Go slice.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED); errno != 0 {
			return freed, fmt.Errorf("release code pages: madvise %x-%x: %w", m.start, m.end, errno)
		}
		freed += m.rss
	}
	return freed, nil
}

// mapping is one read-only, never copied mapping of the executable.
type mapping struct {
	start, end uintptr
	rss        int64 // bytes resident
}

// ownMappings returns the mappings of exe in smaps that may be dropped:
// not writable, and with no anonymous (copied-on-write) page, such as a
// PIE's relocated read-only data.
func ownMappings(smaps []byte, exe string) []mapping {
	var out []mapping
	var cur *mapping
	ok := false
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			// A mapping's header: start-end perms offset dev inode [path].
			if cur != nil && ok {
				out = append(out, *cur)
			}
			cur, ok = nil, false
			lo, hi, _ := strings.Cut(f[0], "-")
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 != nil || err2 != nil || len(f) < 6 || strings.Join(f[5:], " ") != exe || strings.Contains(f[1], "w") {
				continue
			}
			cur, ok = &mapping{start: uintptr(start), end: uintptr(end)}, true
			continue
		}
		if cur == nil || len(f) < 2 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "Rss:":
			cur.rss = n << 10
		case "Anonymous:":
			if n != 0 {
				ok = false
			}
		}
	}
	if cur != nil && ok {
		out = append(out, *cur)
	}
	return out
}
