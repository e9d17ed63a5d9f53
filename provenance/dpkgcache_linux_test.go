//go:build linux

package provenance

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"portlight/internal/testrig"
)

// TestDpkgCacheCannotLeaveTheInfoFolder is the attack on the real dpkg
// database: a program of the user copies the valid cache, adds a package
// whose name climbs out of dpkg's info folder into the home, plants that
// "package's" .list and .md5sums there, and indexes its own sshd under it.
// The forged cache is refused as a whole and rebuilt; the planted program
// has no package and no integrity match.
func TestDpkgCacheCannotLeaveTheInfoFolder(t *testing.T) {
	_, err := os.Stat("/var/lib/dpkg/info/coreutils.list")
	testrig.Need(t, err == nil, "a dpkg database with coreutils (/var/lib/dpkg)")
	home, cache := t.TempDir(), t.TempDir()
	sshd := filepath.Join(home, ".local/bin/sshd")
	content := "#!/bin/sh\nexec sleep 60\n"
	write(t, sshd, content)
	sum := md5.Sum([]byte(content))
	plant := filepath.Join(home, ".local/share/x")
	write(t, plant+".list", "/.\n"+sshd+"\n")
	write(t, plant+".md5sums", hex.EncodeToString(sum[:])+"  "+strings.TrimPrefix(sshd, "/")+"\n")

	newResolver := func() *Resolver { return NewResolver(Options{Home: home, CacheDir: cache}) }
	r := newResolver()
	d, err := r.dpkg.current()
	if err != nil || d == nil {
		t.Fatalf("dpkg database: %v", err)
	}
	stem := "openssh-server:amd64/../../../../.." + plant
	if got := filepath.Join(d.infoDir, stem+".list"); got != plant+".list" {
		t.Fatalf("the forged name leads to %s, not to the planted list (the test proves nothing)", got)
	}
	forged := *d
	forged.stems = append(slices.Clone(d.stems), stem)
	forged.idx = &pathIndex{key: d.idx.key, entries: slices.Clone(d.idx.entries)}
	forged.idx.add([]byte(sshd), len(d.stems))
	forged.idx.finish()
	if err := saveDpkgCache(filepath.Join(cache, DpkgCacheFile), "/", r.dpkg.readStamp(), &forged); err != nil {
		t.Fatal(err)
	}

	r2 := newResolver()
	if o := r2.Lookup(0, sshd, 0, 0); o.Manager != "" || o.Package != "" || o.Integrity == IntegrityMatch {
		t.Fatalf("the forged cache lent a package to a planted program: %+v", o)
	}
	if d2, _ := r2.dpkg.current(); d2 == nil || d2.fromCache {
		t.Error("the forged cache was believed, not rebuilt")
	}
	if o := r2.Lookup(0, "/usr/bin/sleep", 0, 0); o.Package != "coreutils" || o.Integrity != IntegrityMatch {
		t.Errorf("sleep after the rebuild: %+v", o)
	}
	r3 := newResolver()
	if d3, _ := r3.dpkg.current(); d3 == nil || !d3.fromCache {
		t.Error("the rebuilt cache was not written or not read")
	}
	if o := r3.Lookup(0, sshd, 0, 0); o.Package != "" {
		t.Errorf("from the rebuilt cache: %+v", o)
	}
}

// TestDpkgInfoFileMustBeDpkgs puts into a fake root's info folder a .list
// file that is a symbolic link, one that root does not own, and one whose
// name is no package name: none of them lends a package, with or without
// the cache.
func TestDpkgInfoFileMustBeDpkgs(t *testing.T) {
	root := fakeRoot(t)
	info := filepath.Join(root, "var/lib/dpkg/info")
	outside := filepath.Join(t.TempDir(), "elsewhere.list")
	write(t, outside, "/usr/bin/nothing\n")
	if err := os.Symlink(outside, filepath.Join(info, "linked.list")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(info, "Not_A_Name.list"), "/usr/bin/mine\n")
	asRoot := os.Geteuid() == 0
	if asRoot {
		// hello's own list, handed to nobody: as good as planted.
		if err := os.Chown(filepath.Join(info, "hello.list"), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	cache := t.TempDir()
	cachedResolver(t, root, cache).Lookup(0, "/usr/bin/nothing", 0, 0) // writes the cache
	fromCache := cachedResolver(t, root, cache)
	if d, _ := fromCache.dpkg.current(); d == nil || !d.fromCache {
		t.Fatal("the cache was not read")
	}
	for _, r := range []*Resolver{fakeResolver(t, root), fromCache} {
		if o := r.Lookup(0, "/usr/bin/nothing", 0, 0); o.Package != "" {
			t.Errorf("a linked .list lent a package: %+v", o)
		}
		if o := r.Lookup(0, "/usr/bin/mine", 0, 0); o.Package == "Not_A_Name" {
			t.Errorf("a .list that names no package lent one: %+v", o)
		}
		if o := r.Lookup(0, "/usr/bin/hello", 0, 0); asRoot && o.Package != "" {
			t.Errorf("a .list root does not own lent a package: %+v", o)
		}
	}
}
