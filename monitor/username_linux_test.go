//go:build linux

package monitor

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"portlight/internal/testrig"
)

// TestUserNames: the user database names root and this process's user, a
// uid nobody has is its number, and getent (asked for uids /etc/passwd
// lacks, since portlight is built without cgo) answers as the database does.
func TestUserNames(t *testing.T) {
	testrig.RequireTool(t, "getent")
	c := newFactsCache("/proc")
	if got := c.userName(0); got != "root" {
		t.Errorf("userName(0) = %q, want root", got)
	}
	const nobodyHas = 3_999_999_999
	if got := c.userName(nobodyHas); got != strconv.Itoa(nobodyHas) {
		t.Errorf("userName(%d) = %q, want the number", nobodyHas, got)
	}
	if name, ok := getentUserName("0"); !ok || name != "root" {
		t.Errorf("getent passwd 0: %q, %v; want root", name, ok)
	}
	if name, ok := getentUserName(strconv.Itoa(nobodyHas)); ok {
		t.Errorf("getent passwd %d: %q; want no entry", nobodyHas, name)
	}
	// Every entry of /etc/passwd reads the same through getent.
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(passwd)) {
		f := strings.Split(line, ":")
		if len(f) < 3 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], "+") {
			continue
		}
		if name, ok := getentUserName(f[2]); !ok {
			t.Errorf("getent passwd %s: no entry; /etc/passwd has %s", f[2], f[0])
		} else if uid, _ := strconv.Atoi(f[2]); c.userName(uint32(uid)) != name {
			t.Errorf("uid %s: userName %q, getent %q", f[2], c.userName(uint32(uid)), name)
		}
	}
}
