package provenance

import (
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// fileOrigin says what the executable's path and content tell: the bundle
// or package that installed it and whether the content matches. The
// package databases are asked only when the process sees our file system
// (same); the digest is cached per file identity and change times.
func (r *Resolver) fileOrigin(now time.Time, pid int32, exe string, key fileKey, same bool) (Origin, fileStat) {
	running := r.opts.rooted(exe)
	if pid > 0 {
		running = filepath.Join(r.opts.ProcRoot, strconv.Itoa(int(pid)), "exe")
	}
	st, err := statFile(running)
	if err == nil && key == (fileKey{}) {
		key = fileKey{st.dev, st.ino}
	}
	r.mu.Lock()
	fe := r.files[key]
	valid := fe != nil && fe.path == exe && fe.st == st && key != (fileKey{})
	if valid && now.Sub(fe.checked) < recheck {
		fe.used = now
		o := fe.part
		r.mu.Unlock()
		return o, st
	}
	r.mu.Unlock()

	// The package databases as they are now; an answer made from the same
	// loads still stands, which costs a few stats instead of a checksum list.
	dpkgData, _ := r.dpkg.current() // unreadable: no dpkg answer
	gen := dbGen{dpkgData, r.pacman.current()}
	r.mu.Lock()
	if valid && fe.gen == gen {
		fe.checked, fe.used = now, now
		o := fe.part
		r.mu.Unlock()
		return o, st
	}
	var oldSum string
	if fe != nil && fe.st == st {
		oldSum = fe.sum
	}
	r.mu.Unlock()

	var o Origin
	if b := bundleByPath(exe, r.opts.Home); b.manager != "" {
		o.Manager, o.AppID, o.Package = b.manager, b.appID, b.appID
	} else if same {
		var expected string
		o, expected = r.packageOwner(gen, exe)
		if expected != "" && err == nil && r.isAtPath(exe, st) {
			sum := oldSum
			if len(sum) != len(expected) {
				sum, _ = hashFile(running, len(expected))
			}
			o.Integrity = compareSum(sum, expected)
			oldSum = sum
		}
	}
	if key != (fileKey{}) {
		r.mu.Lock()
		r.files[key] = &fileEntry{path: exe, st: st, part: o, sum: oldSum, gen: gen, checked: now, used: now}
		r.mu.Unlock()
	}
	return o, st
}

// isAtPath reports whether the running file is the one at its path: after
// an upgrade the old program runs on, deleted, and the package's checksum
// describes the new file, so comparing would report a false mismatch.
func (r *Resolver) isAtPath(exe string, running fileStat) bool {
	at, err := statFile(r.opts.rooted(exe))
	return err == nil && at.dev == running.dev && at.ino == running.ino
}

func compareSum(sum, expected string) Integrity {
	switch {
	case sum == "" || expected == "":
		return IntegrityUnknown
	case equalFoldASCII(sum, expected):
		return IntegrityMatch
	}
	return IntegrityMismatch
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// dbGen names the package database loads an answer was made from.
type dbGen struct {
	dpkg   *dpkgData
	pacman *pacmanData
}

// packageOwner asks dpkg, then pacman, then rpm, and returns the checksum
// the owner recorded for the file.
func (r *Resolver) packageOwner(gen dbGen, exe string) (Origin, string) {
	if exe == "" {
		return Origin{}, ""
	}
	if gen.dpkg != nil {
		if ow, ok := gen.dpkg.owner(exe); ok {
			return Origin{Manager: "dpkg", Package: ow.pkg, Version: ow.version}, gen.dpkg.expectedMD5(ow)
		}
	}
	if name, version, sum, ok := r.pacman.owner(gen.pacman, exe); ok {
		return Origin{Manager: "pacman", Package: name, Version: version}, sum
	}
	r.rpmOnce.Do(func() { r.rpmBin, _ = rpmAvailable(r.opts.Root) })
	if r.rpmBin != "" {
		if name, version, sum, ok := rpmOwner(r.rpmBin, exe); ok {
			return Origin{Manager: "rpm", Package: name, Version: version}, sum
		}
	}
	return Origin{}, ""
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}
