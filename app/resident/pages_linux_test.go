package resident

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestReleaseCodePages drops this test program's start-up code pages for
// real and carries on running: only clean pages of the executable go, and
// what runs next is mapped again from the file.
func TestReleaseCodePages(t *testing.T) {
	before := rssFile(t)
	n, err := releaseCodePages()
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 {
		t.Fatalf("released %d bytes: the test program's own code was resident", n)
	}
	after := rssFile(t)
	t.Logf("released %d kB of code pages; RssFile %d → %d kB", n>>10, before, after)
	if after >= before {
		t.Errorf("RssFile %d kB after releasing, was %d kB", after, before)
	}
	// Still runs: code and read-only data are mapped again on use.
	if got := strings.Repeat("ab", 3); got != "ababab" {
		t.Fatal(got)
	}
}

// rssFile is RssFile of this process in kB.
func rssFile(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestOwnMappingsSkipsWritableAndCopied: only the executable's read-only
// mappings without private copies are dropped.
func TestOwnMappingsSkipsWritableAndCopied(t *testing.T) {
	const smaps = `00400000-00b2d000 r-xp 00000000 fe:00 10021082                           /opt/my app/portlight
Size:               7348 kB
Rss:                6772 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me sd
00b2d000-0136f000 r--p 0072d000 fe:00 10021082                           /opt/my app/portlight
Rss:                5576 kB
Anonymous:             0 kB
0136f000-01428000 rw-p 00f6f000 fe:00 10021082                           /opt/my app/portlight
Rss:                 420 kB
Anonymous:           172 kB
01428000-01500000 r--p 01028000 fe:00 10021082                           /opt/my app/portlight
Rss:                   8 kB
Anonymous:             4 kB
7f0000000000-7f0000001000 r-xp 00000000 fe:00 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                   4 kB
Anonymous:             0 kB
7f0000002000-7f0000003000 rw-p 00000000 00:00 0 
Rss:                   4 kB
Anonymous:             4 kB
`
	got := ownMappings([]byte(smaps), "/opt/my app/portlight")
	want := []mapping{{0x400000, 0xb2d000, 6772 << 10}, {0xb2d000, 0x136f000, 5576 << 10}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("ownMappings = %+v, want %+v", got, want)
	}
}
