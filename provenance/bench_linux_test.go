package provenance

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The benchmarks read this machine's real dpkg database and print its size
// beside the figures: packages, lines of the .list files, index entries.

func needDpkg(b *testing.B) {
	if _, err := os.Stat("/var/lib/dpkg/info"); err != nil {
		b.Skip("needs a dpkg database (/var/lib/dpkg/info)")
	}
}

// cpuTime is the process's user and system time: on a shared machine it
// says more than the wall clock, which waits for other tenants.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op, measured since start over b.N operations.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func BenchmarkDpkgIndexLoad(b *testing.B) {
	needDpkg(b)
	db := newDpkgDB("/", "")
	info, status, div := db.paths()
	var data *dpkgData
	var heap uint64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		data = nil
		before := heapNow()
		b.StartTimer()
		start := cpuTime()
		var err error
		if data, err = loadDpkg("/", info, status, div); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
		b.StopTimer()
		heap = heapNow() - before
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(heap), "heap-B")
	b.ReportMetric(float64(data.idx.size()), "index-B")
	b.ReportMetric(float64(len(data.stems)), "packages")
	b.ReportMetric(float64(data.listed), "listed-paths")
	b.ReportMetric(float64(len(data.idx.entries)), "indexed")
}

// BenchmarkDpkgStringMap is the plain alternative for scale: every listed
// path as a Go string in a map.
func BenchmarkDpkgStringMap(b *testing.B) {
	needDpkg(b)
	info, _, _ := newDpkgDB("/", "").paths()
	ents, _ := os.ReadDir(info)
	var heap uint64
	var m map[string]uint16
	for b.Loop() {
		m = nil
		before := heapNow()
		m = map[string]uint16{}
		for i, e := range ents {
			if !strings.HasSuffix(e.Name(), ".list") {
				continue
			}
			c, _ := os.ReadFile(filepath.Join(info, e.Name()))
			for _, l := range strings.Split(string(c), "\n") {
				m[l] = uint16(i)
			}
		}
		heap = heapNow() - before
	}
	b.ReportMetric(float64(heap), "heap-B")
	b.ReportMetric(float64(len(m)), "paths")
}

// BenchmarkDpkgScanOnDemand is the other alternative: no index, every
// lookup reads each .list file and searches it for the one path.
func BenchmarkDpkgScanOnDemand(b *testing.B) {
	needDpkg(b)
	info, _, _ := newDpkgDB("/", "").paths()
	ents, _ := os.ReadDir(info)
	needle := []byte("\n/bin/sleep\n")
	var buf []byte
	start := cpuTime()
	for b.Loop() {
		found := ""
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".list") {
				continue
			}
			buf, _ = readInto(filepath.Join(info, e.Name()), buf)
			if bytes.Contains(buf, needle) {
				found = e.Name()
			}
		}
		if found != "coreutils.list" {
			b.Fatalf("found %q", found)
		}
	}
	reportCPU(b, start)
}

// packagedPrograms lists dpkg-owned programs in /usr/bin.
func packagedPrograms(b *testing.B, r *Resolver) []string {
	ents, _ := os.ReadDir("/usr/bin")
	var out []string
	for _, e := range ents {
		p := filepath.Join("/usr/bin", e.Name())
		if !e.Type().IsRegular() {
			continue
		}
		if o := r.Lookup(0, p, 0, 0); o.Manager == "dpkg" && o.Integrity != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		b.Skip("no packaged programs in /usr/bin")
	}
	return out
}

// BenchmarkLookupCold is a first lookup in a new resolver: dpkg's index and
// the desktop entries are loaded, the file hashed.
func BenchmarkLookupCold(b *testing.B) {
	needDpkg(b)
	home := b.TempDir()
	start := cpuTime()
	for b.Loop() {
		r := NewResolver(Options{Home: home})
		if o := r.Lookup(0, "/usr/bin/sleep", 0, 0); o.Package != "coreutils" {
			b.Fatalf("%+v", o)
		}
	}
	reportCPU(b, start)
}

// BenchmarkLookupNewFile is a first lookup of a program once the indexes
// exist: the owner found, its .md5sums read, the file hashed. Hashing grows
// with the file, so small programs are measured apart.
func BenchmarkLookupNewFile(b *testing.B) {
	needDpkg(b)
	r := NewResolver(Options{Home: b.TempDir()})
	all := packagedPrograms(b, r)
	var small []string
	for _, p := range all {
		if fi, err := os.Stat(p); err == nil && fi.Size() <= 64<<10 {
			small = append(small, p)
		}
	}
	for _, set := range []struct {
		name  string
		progs []string
	}{{"all", all}, {"under64KiB", small}} {
		b.Run(set.name, func(b *testing.B) {
			var size int64
			for _, p := range set.progs {
				fi, _ := os.Stat(p)
				size += fi.Size()
			}
			i := 0
			start := cpuTime()
			for b.Loop() {
				r.mu.Lock()
				clear(r.files)
				r.mu.Unlock()
				r.Lookup(0, set.progs[i%len(set.progs)], 0, 0)
				i++
			}
			reportCPU(b, start)
			b.ReportMetric(float64(len(set.progs)), "programs")
			b.ReportMetric(float64(size/int64(len(set.progs))), "mean-file-B")
		})
	}
}

// BenchmarkOwnerOnly is the index lookup alone.
func BenchmarkOwnerOnly(b *testing.B) {
	needDpkg(b)
	data, err := newDpkgDB("/", "").current()
	if err != nil || data == nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, ok := data.owner("/usr/bin/sleep"); !ok {
			b.Fatal("sleep unowned")
		}
	}
}

func startSleeper(b *testing.B) (int32, string, uint64, uint64) {
	cmd := exec.Command("/usr/bin/sleep", "600")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := int32(cmd.Process.Pid)
	st, err := statFile(filepath.Join("/proc", strconv.Itoa(int(pid)), "exe"))
	if err != nil {
		b.Fatal(err)
	}
	return pid, "/usr/bin/sleep", st.dev, st.ino
}

// BenchmarkLookupNewProcess is a process seen for the first time whose
// program is already known: cgroup, environment, parents, desktop entry.
func BenchmarkLookupNewProcess(b *testing.B) {
	needDpkg(b)
	r := NewResolver(Options{Home: b.TempDir()})
	pid, exe, dev, ino := startSleeper(b)
	r.Lookup(pid, exe, dev, ino)
	start := cpuTime()
	for b.Loop() {
		r.mu.Lock()
		clear(r.procs)
		r.mu.Unlock()
		r.Lookup(pid, exe, dev, ino)
	}
	reportCPU(b, start)
}

// BenchmarkLookupCached is the answer for a process already looked up.
func BenchmarkLookupCached(b *testing.B) {
	needDpkg(b)
	r := NewResolver(Options{Home: b.TempDir()})
	pid, exe, dev, ino := startSleeper(b)
	if o := r.Lookup(pid, exe, dev, ino); o.Package != "coreutils" {
		b.Fatalf("%+v", o)
	}
	for b.Loop() {
		r.Lookup(pid, exe, dev, ino)
	}
}

// BenchmarkDpkgCacheLoad measures what a new process pays for this
// machine's dpkg index when its cache file is current: read the file,
// check the stamp and every entry, read the status file and the diversions
// (compare BenchmarkDpkgIndexLoad).
func BenchmarkDpkgCacheLoad(b *testing.B) {
	needDpkg(b)
	cache := filepath.Join(b.TempDir(), DpkgCacheFile)
	db := newDpkgDB("/", cache)
	info, status, div := db.paths()
	if _, err := db.load(info, status, div); err != nil {
		b.Fatal(err)
	}
	stamp := db.readStamp()
	start := cpuTime()
	for b.Loop() {
		if _, err := loadCachedDpkg(cache, "/", info, status, div, stamp); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
	if fi, err := os.Stat(cache); err == nil {
		b.ReportMetric(float64(fi.Size()), "file-B")
	}
}
