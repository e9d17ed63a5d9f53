package provenance

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// cachedResolver is fakeResolver with a cache folder of its own.
func cachedResolver(t *testing.T, root, cache string) *Resolver {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	return NewResolver(Options{Root: root, Home: filepath.Join(root, "home/user"), CacheDir: cache})
}

// lookupAll is what TestFakeRootPackages asks, as one comparable string
// per program.
func lookupAll(r *Resolver) []string {
	var out []string
	for _, exe := range []string{"/usr/bin/hello", "/usr/bin/tampered", "/usr/lib/x86_64-linux-gnu/libfoo.so.1",
		"/usr/bin/tool.real", "/usr/bin/tool", "/usr/bin/mine", "/usr/bin/editor", "/usr/bin/nothing"} {
		o := r.Lookup(0, exe, 0, 0)
		out = append(out, exe+" "+o.Manager+" "+o.Package+" "+o.Version+" "+string(o.Integrity))
	}
	return out
}

// TestDpkgCacheAnswersAsTheLists builds the index once (which writes the
// cache), then answers from the cache in a new resolver, as a new command
// would: the same answers, without reading the lists.
func TestDpkgCacheAnswersAsTheLists(t *testing.T) {
	root, cache := fakeRoot(t), t.TempDir()
	want := lookupAll(fakeResolver(t, root))
	first := cachedResolver(t, root, cache)
	if got := lookupAll(first); !slices.Equal(got, want) {
		t.Fatalf("building the cache:\n%q\nwant\n%q", got, want)
	}
	fi, err := os.Stat(filepath.Join(cache, DpkgCacheFile))
	if err != nil {
		t.Fatalf("no cache file written: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", fi.Mode().Perm())
	}
	second := cachedResolver(t, root, cache)
	if got := lookupAll(second); !slices.Equal(got, want) {
		t.Fatalf("from the cache:\n%q\nwant\n%q", got, want)
	}
	if d, _ := second.dpkg.current(); d == nil || !d.fromCache {
		t.Fatal("the second resolver did not read the cache")
	}
}

// TestDpkgCacheStaleIsRebuilt installs a package after the cache was
// written: the cache no longer matches dpkg's stamp and is rebuilt.
func TestDpkgCacheStaleIsRebuilt(t *testing.T) {
	root, cache := fakeRoot(t), t.TempDir()
	lookupAll(cachedResolver(t, root, cache))
	info := filepath.Join(root, "var/lib/dpkg/info")
	write(t, filepath.Join(info, "newpkg.list"), "/.\n/usr\n/usr/bin\n/usr/bin/nothing\n")
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(info, later, later)
	r := cachedResolver(t, root, cache)
	if o := r.Lookup(0, "/usr/bin/nothing", 0, 0); o.Package != "newpkg" {
		t.Fatalf("after installing newpkg: %+v", o)
	}
	if d, _ := r.dpkg.current(); d.fromCache {
		t.Error("a stale cache was used")
	}
}

// TestDpkgCacheCannotLendAPackage writes a cache that says a program no
// package ships belongs to hello: the answer is checked against hello's
// .list file and refused.
func TestDpkgCacheCannotLendAPackage(t *testing.T) {
	root, cache := fakeRoot(t), t.TempDir()
	r := cachedResolver(t, root, cache)
	lookupAll(r)
	d, _ := r.dpkg.current()
	hello := -1
	for i, s := range d.stems {
		if s == "hello" {
			hello = i
		}
	}
	if hello < 0 {
		t.Fatal("no hello package in the fake root")
	}
	forged := *d
	forged.idx = &pathIndex{key: d.idx.key, entries: append([]uint64{}, d.idx.entries...)}
	forged.idx.add([]byte("/usr/bin/nothing"), hello)
	forged.idx.finish()
	if err := saveDpkgCache(filepath.Join(cache, DpkgCacheFile), root, r.dpkg.readStamp(), &forged); err != nil {
		t.Fatal(err)
	}
	r2 := cachedResolver(t, root, cache)
	if o := r2.Lookup(0, "/usr/bin/nothing", 0, 0); o.Manager != "" || o.Package != "" {
		t.Fatalf("the forged cache lent a package: %+v", o)
	}
	if o := r2.Lookup(0, "/usr/bin/hello", 0, 0); o.Package != "hello" {
		t.Fatalf("hello itself: %+v", o)
	}
	if dd, _ := r2.dpkg.current(); !dd.fromCache {
		t.Error("the forged cache was not read (the test proves nothing)")
	}
}

// TestDpkgCacheDamageIsIgnored truncates the cache: the lists answer.
func TestDpkgCacheDamageIsIgnored(t *testing.T) {
	root, cache := fakeRoot(t), t.TempDir()
	want := lookupAll(cachedResolver(t, root, cache))
	path := filepath.Join(cache, DpkgCacheFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, len(b) / 2, len(b) - 1} {
		if err := os.WriteFile(path, b[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		if got := lookupAll(cachedResolver(t, root, cache)); !slices.Equal(got, want) {
			t.Fatalf("cache cut at %d bytes:\n%q\nwant\n%q", n, got, want)
		}
	}
}

// forgeCache writes d's index with extra entries (package number n for
// path) to the cache file, stamped as current.
func forgeCache(t testing.TB, db *dpkgDB, d *dpkgData, stems []string, path string, n int) {
	t.Helper()
	forged := *d
	forged.stems = stems
	forged.idx = &pathIndex{key: d.idx.key, entries: slices.Clone(d.idx.entries)}
	forged.idx.add([]byte(path), n)
	forged.idx.finish()
	if err := saveDpkgCache(db.cache, db.root, db.readStamp(), &forged); err != nil {
		t.Fatal(err)
	}
}

// TestDpkgCacheBadPackageNumber writes a cache whose index names package
// 60000 of a handful: the load refuses it as damaged, without a panic, and
// the lists answer and write a sound cache again.
func TestDpkgCacheBadPackageNumber(t *testing.T) {
	root, cache := fakeRoot(t), t.TempDir()
	r := cachedResolver(t, root, cache)
	want := lookupAll(r)
	d, _ := r.dpkg.current()
	forgeCache(t, r.dpkg, d, d.stems, "/usr/bin/nothing", 60000)
	info, status, div := r.dpkg.paths()
	if _, err := loadCachedDpkg(r.dpkg.cache, root, info, status, div, r.dpkg.readStamp()); err == nil ||
		!strings.Contains(err.Error(), "package number 60000") {
		t.Fatalf("loading the damaged cache: %v", err)
	}
	r2 := cachedResolver(t, root, cache)
	if got := lookupAll(r2); !slices.Equal(got, want) {
		t.Fatalf("with a damaged cache:\n%q\nwant\n%q", got, want)
	}
	if d2, _ := r2.dpkg.current(); d2.fromCache {
		t.Error("the damaged cache was used")
	}
	if d3, _ := cachedResolver(t, root, cache).dpkg.current(); !d3.fromCache {
		t.Error("the damaged cache was not rebuilt")
	}
}

func TestValidStem(t *testing.T) {
	for _, s := range []string{"hello", "libc6:amd64", "libstdc++6:i386", "g++-12", "python3.11", "0ad", "x:x32-abi"} {
		if !validStem(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"", ":amd64", "hello:", "Hello", "-x", ".x", "a/b", "a..b", "..", ".",
		"openssh-server:amd64/../../../../home/u/x", "a\x00b", "a b", "a:am/d64", "a:b:c", strings.Repeat("a", 256)} {
		if validStem(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

// FuzzDpkgCache feeds the cache loader damaged and forged files: it never
// panics, and whatever it accepts names only packages inside the info
// folder and package numbers it has, so lookups on it cannot panic either.
func FuzzDpkgCache(f *testing.F) {
	root := fakeRoot(f)
	db := newDpkgDB(root, filepath.Join(f.TempDir(), DpkgCacheFile))
	info, status, div := db.paths()
	d, err := db.load(info, status, div)
	if err != nil {
		f.Fatal(err)
	}
	stamp := db.readStamp()
	seed := func() []byte {
		b, err := os.ReadFile(db.cache)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	valid := seed()
	if _, err := parseDpkgCache(valid, root, info, stamp); err != nil {
		f.Fatalf("the sound cache is refused: %v", err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	forgeCache(f, db, d, append(slices.Clone(d.stems), "x:amd64/../../../../tmp/x"), "/usr/bin/nothing", len(d.stems))
	f.Add(seed())
	forgeCache(f, db, d, d.stems, "/usr/bin/nothing", 60000)
	f.Add(seed())
	paths := []string{"/usr/bin/hello", "/usr/bin/nothing", "/usr/bin/tool", "/usr/bin/tool.real", "/usr/bin/editor"}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, err := parseDpkgCache(b, root, info, stamp)
		if err != nil {
			return
		}
		for _, s := range data.stems {
			if !validStem(s) {
				t.Fatalf("accepted package name %q", s)
			}
		}
		for _, e := range data.idx.entries {
			if int(e&0xffff) >= len(data.stems) {
				t.Fatalf("accepted package number %d of %d", e&0xffff, len(data.stems))
			}
		}
		for _, p := range paths {
			if o, ok := data.owner(p); ok {
				data.expectedMD5(o)
			}
		}
	})
}

// TestReleaseDropsTheIndexUntilNeeded: an index unused for five minutes is
// forgotten by Release and read again from the cache file on the next
// lookup, with the same answers; one used recently, or one with no cache
// file to come back from, is kept.
func TestReleaseDropsTheIndexUntilNeeded(t *testing.T) {
	root, cache := fakeRoot(t), t.TempDir()
	r := cachedResolver(t, root, cache)
	want := lookupAll(r)
	if r.Release(time.Now()) {
		t.Fatal("Release dropped an index just used")
	}
	if !r.Release(time.Now().Add(forget + time.Second)) {
		t.Fatal("Release kept an index unused for longer than forget")
	}
	if r.dpkg.data != nil || len(r.files) != 0 || len(r.procs) != 0 {
		t.Fatalf("after Release: index %v, %d files, %d processes cached", r.dpkg.data != nil, len(r.files), len(r.procs))
	}
	if got := lookupAll(r); !slices.Equal(got, want) {
		t.Fatalf("after Release:\n%q\nwant\n%q", got, want)
	}
	if r.dpkg.data == nil || !r.dpkg.data.fromCache {
		t.Fatal("the index was not read again from the cache file")
	}

	uncached := fakeResolver(t, root)
	lookupAll(uncached)
	if uncached.Release(time.Now().Add(time.Hour)) || uncached.dpkg.data == nil {
		t.Fatal("Release dropped an index that only the .list files can rebuild")
	}
}
