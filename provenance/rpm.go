package provenance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// rpmQueryFormat asks for the name, version and every file's digest; the
// digest of the file we look for is found by name in the answer.
const rpmQueryFormat = `%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\n[%{FILENAMES}\t%{FILEDIGESTS}\n]`

// rpmAvailable reports whether the real system has an rpm database to ask;
// only the running system's (root "/"), since the rpm binary reads that.
func rpmAvailable(root string) (string, bool) {
	if root != "/" {
		return "", false
	}
	bin, err := exec.LookPath("rpm")
	if err != nil {
		return "", false
	}
	for _, db := range []string{"/var/lib/rpm", "/usr/lib/sysimage/rpm"} {
		if ents, err := os.ReadDir(db); err == nil && len(ents) > 0 {
			return bin, true
		}
	}
	return "", false
}

// rpmOwner runs `rpm -qf` for path.
func rpmOwner(bin, path string) (name, version, sum string, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-qf", "--queryformat", rpmQueryFormat, path).Output()
	if err != nil {
		return "", "", "", false // not owned, or rpm failed: either way no claim
	}
	return parseRPMQuery(string(out), path)
}

// parseRPMQuery reads rpmQueryFormat's output (the first package only).
func parseRPMQuery(out, path string) (name, version, sum string, ok bool) {
	lines := strings.Split(out, "\n")
	head := strings.SplitN(lines[0], "\t", 2)
	if len(head) != 2 || head[0] == "" {
		return "", "", "", false
	}
	name, version = head[0], strings.TrimPrefix(head[1], "(none):")
	for _, l := range lines[1:] {
		if f, digest, found := strings.Cut(l, "\t"); found && filepath.Clean(f) == path {
			sum = digest
			break
		}
	}
	return name, version, sum, true
}
