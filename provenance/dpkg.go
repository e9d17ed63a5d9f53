package provenance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// dpkgDB is Debian's package database, read lazily: the path index is built
// on the first lookup and rebuilt when dpkg changes its info directory,
// status file or diversions (their modification times are the stamp).
type dpkgDB struct {
	root  string // the file system root holding var/lib/dpkg
	cache string // the index's cache file; "" for none

	mu    sync.Mutex
	stamp [3]int64
	data  *dpkgData // nil until loaded, or when there is no dpkg
	used  time.Time // the last current()
}

// dpkgData is one immutable load of the database.
type dpkgData struct {
	infoDir    string
	infoOwner  uint32 // owner of infoDir: root on a real system
	idx        *pathIndex
	stems      []string          // package number -> info file stem ("libc6:amd64")
	versions   map[string]string // "name" and "name:arch" -> version
	divertFrom map[string]diversion
	divertTo   map[string]diversion
	mergedUsr  bool // /bin, /sbin and /lib are links into /usr
	listed     int  // lines read from the .list files
	fromCache  bool // idx and stems come from the cache: confirm each answer
}

// diversion is one dpkg-divert record: the file a package listed at path
// lives at other instead; by is the diverting package, or ":" for a local
// (administrator's) diversion.
type diversion struct{ other, by string }

// dpkgOwner is what dpkg says of one path.
type dpkgOwner struct {
	pkg, version string
	stem         string // info file stem, for the .md5sums file
	listed       string // the path as the package lists it
}

// newDpkgDB reads the database under root, keeping its index in the cache
// file cache ("" for none).
func newDpkgDB(root, cache string) *dpkgDB { return &dpkgDB{root: root, cache: cache} }

func (d *dpkgDB) paths() (info, status, diversions string) {
	base := filepath.Join(d.root, "var/lib/dpkg")
	return filepath.Join(base, "info"), filepath.Join(base, "status"), filepath.Join(base, "diversions")
}

// current returns the loaded database, reloading it first when dpkg has
// changed it since; nil when the system has no dpkg.
func (d *dpkgDB) current() (*dpkgData, error) {
	info, status, div := d.paths()
	var stamp [3]int64
	for i, p := range []string{info, status, div} {
		if st, err := statFile(p); err == nil {
			stamp[i] = st.mtime
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.used = time.Now()
	if stamp[0] == 0 {
		d.data, d.stamp = nil, stamp
		return nil, nil
	}
	if d.data != nil && stamp == d.stamp {
		return d.data, nil
	}
	data, err := d.load(info, status, div)
	if err != nil {
		return nil, err
	}
	d.data, d.stamp = data, stamp
	return data, nil
}

// release forgets the loaded index when it was last used before idle and
// can be read again from the cache file (a few ms, instead of every .list
// file): a process that runs all day and looks a program up now and then
// (the resident) does not keep ~8 bytes per packaged file in its heap for
// it. It reports whether it forgot anything.
func (d *dpkgDB) release(idle time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.data == nil || d.cache == "" || !d.used.Before(idle) {
		return false
	}
	d.data, d.stamp = nil, [3]int64{}
	return true
}

// load reads the index from the cache file when it is current, else from
// the .list files, and then rewrites the cache.
func (d *dpkgDB) load(info, status, div string) (*dpkgData, error) {
	if d.cache == "" {
		return loadDpkg(d.root, info, status, div)
	}
	stamp := d.readStamp()
	if data, err := loadCachedDpkg(d.cache, d.root, info, status, div, stamp); err == nil {
		return data, nil
	}
	data, err := loadDpkg(d.root, info, status, div)
	if err != nil {
		return nil, err
	}
	// dpkg changed while the lists were read: the cache would be stamped
	// with a state it does not hold, so it waits for the next load.
	if d.readStamp() == stamp {
		// Best effort: without a cache the next command reads the lists.
		_ = saveDpkgCache(d.cache, d.root, stamp, data)
	}
	return data, nil
}

// loadDpkg reads every .list file into a path index, and the versions and
// diversions beside it.
func loadDpkg(root, info, status, div string) (*dpkgData, error) {
	ents, err := os.ReadDir(info)
	if err != nil {
		return nil, fmt.Errorf("read dpkg info: %w", err)
	}
	data := &dpkgData{infoDir: info, infoOwner: fileOwner(info), idx: newPathIndex(),
		mergedUsr: isLink(filepath.Join(root, "bin"))}
	var buf []byte
	for _, e := range ents {
		stem, ok := strings.CutSuffix(e.Name(), ".list")
		if !ok || !validStem(stem) {
			continue
		}
		buf, err = data.readInfo(stem+".list", buf)
		if err != nil {
			continue // removed while we read (the next stamp change reloads), or not dpkg's
		}
		data.listed += bytes.Count(buf, []byte{'\n'})
		data.idx.addList(buf, len(data.stems), nil, nil)
		data.stems = append(data.stems, stem)
	}
	data.idx.finish()
	if data.versions, err = readDpkgStatus(status); err != nil {
		return nil, err
	}
	data.divertFrom, data.divertTo = readDiversions(div)
	return data, nil
}

// validStem reports whether stem is an info file stem dpkg could have
// written: a package name, lower-case letters, digits and "+-.", with an
// optional ":architecture". Anything else (a "/" or ".." above all, which
// would lead out of the info folder) is refused.
func validStem(stem string) bool {
	name, arch, hasArch := strings.Cut(stem, ":")
	if len(stem) > 255 || strings.Contains(stem, "..") || name == "" ||
		!isLowerAlnum(name[0]) || (hasArch && arch == "") {
		return false
	}
	for i := range len(name) {
		if c := name[i]; !isLowerAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	for i := range len(arch) {
		if c := arch[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// readInfo reads the file name of the info folder into buf's storage; only
// a regular file that root (or the folder's owner) owns is read, never
// through a link, and never a name with a path in it.
func (d *dpkgData) readInfo(name string, buf []byte) ([]byte, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return buf, fmt.Errorf("dpkg info file %q: not a plain name", name)
	}
	f, err := openInfoFile(filepath.Join(d.infoDir, name), d.infoOwner)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	return readAll(f, buf)
}

// readInto reads a whole file into buf's storage, so reading many files
// reuses one buffer.
func readInto(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	return readAll(f, buf)
}

// readAll reads the rest of f into buf's storage.
func readAll(f *os.File, buf []byte) ([]byte, error) {
	buf = buf[:0]
	if fi, err := f.Stat(); err == nil && int(fi.Size()) >= cap(buf) {
		buf = slices.Grow(buf, int(fi.Size())+1) // +1: EOF is seen without a regrow
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 64<<10)
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func isLink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

// readDpkgStatus maps each package in dpkg's status file to its version.
func readDpkgStatus(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dpkg status: %w", err)
	}
	out := make(map[string]string)
	var name, arch, version string
	commit := func() {
		if name != "" && version != "" {
			out[name] = version
			if arch != "" {
				out[name+":"+arch] = version
			}
		}
		name, arch, version = "", "", ""
	}
	for rest := string(b); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		switch {
		case line == "":
			commit()
		case strings.HasPrefix(line, "Package: "):
			name = strings.TrimSpace(line[len("Package: "):])
		case strings.HasPrefix(line, "Architecture: "):
			arch = strings.TrimSpace(line[len("Architecture: "):])
		case strings.HasPrefix(line, "Version: "):
			version = strings.TrimSpace(line[len("Version: "):])
		}
	}
	commit()
	return out, nil
}

// readDiversions reads dpkg-divert's records: three lines each, the
// diverted path, where it went, and the diverting package.
func readDiversions(path string) (from, to map[string]diversion) {
	from, to = map[string]diversion{}, map[string]diversion{}
	b, err := os.ReadFile(path)
	if err != nil {
		return from, to
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for i := 0; i+2 < len(lines); i += 3 {
		f, t, by := lines[i], lines[i+1], lines[i+2]
		from[f] = diversion{other: t, by: by}
		to[t] = diversion{other: f, by: by}
	}
	return from, to
}

// usrForms returns path and, on a merged-/usr system, its other spelling:
// packages may list /bin/ls while the kernel reports /usr/bin/ls.
func usrForms(path string, merged bool) []string {
	if !merged {
		return []string{path}
	}
	for _, d := range []string{"/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/"} {
		if strings.HasPrefix(path, "/usr"+d) {
			return []string{path, path[len("/usr"):]}
		}
		if strings.HasPrefix(path, d) {
			return []string{path, "/usr" + path}
		}
	}
	return []string{path}
}

// pkgName drops the architecture from an info file stem.
func pkgName(stem string) string {
	name, _, _ := strings.Cut(stem, ":")
	return name
}

// owner says which package ships the file at path, honouring diversions:
// the file a diversion moved away belongs to the package that listed the
// original path, and a diverted path belongs to the diverting package (or
// to nobody for a local diversion).
func (d *dpkgData) owner(path string) (dpkgOwner, bool) {
	for _, f := range usrForms(path, d.mergedUsr) {
		if dv, ok := d.divertTo[f]; ok {
			for _, n := range d.confirmed(d.idx.owners(dv.other), dv.other) {
				if pkgName(d.stems[n]) != dv.by {
					return d.result(n, dv.other), true
				}
			}
			return dpkgOwner{}, false
		}
		if dv, ok := d.divertFrom[f]; ok {
			if dv.by == ":" {
				return dpkgOwner{}, false
			}
			for _, n := range d.confirmed(d.idx.owners(f), f) {
				if pkgName(d.stems[n]) == dv.by {
					return d.result(n, f), true
				}
			}
			continue
		}
		if owners := d.confirmed(d.idx.owners(f), f); len(owners) > 0 {
			return d.result(owners[0], f), true
		}
	}
	return dpkgOwner{}, false
}

func (d *dpkgData) result(n int, listed string) dpkgOwner {
	stem := d.stems[n]
	v, ok := d.versions[stem]
	if !ok {
		v = d.versions[pkgName(stem)]
	}
	return dpkgOwner{pkg: pkgName(stem), version: v, stem: stem, listed: listed}
}

// expectedMD5 returns the checksum the package recorded for its file, or
// "" when it records none (conffiles, or no .md5sums file). It also
// confirms the path index's answer: a listed file is in the checksums.
func (d *dpkgData) expectedMD5(o dpkgOwner) string {
	if !validStem(o.stem) {
		return ""
	}
	b, err := d.readInfo(o.stem+".md5sums", nil)
	if err != nil {
		return ""
	}
	return findChecksum(b, strings.TrimPrefix(o.listed, "/"))
}

// findChecksum finds "<hex>  rel" in a checksum list and returns the hex.
func findChecksum(list []byte, rel string) string {
	needle := "  " + rel + "\n"
	if !bytes.HasSuffix(list, []byte{'\n'}) {
		list = append(list, '\n')
	}
	for off := 0; ; {
		i := bytes.Index(list[off:], []byte(needle))
		if i < 0 {
			return ""
		}
		i += off
		start := bytes.LastIndexByte(list[:i], '\n') + 1
		if sum := string(list[start:i]); len(sum) == 32 || len(sum) == 64 {
			return sum
		}
		off = i + len(needle)
	}
}
