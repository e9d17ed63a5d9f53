package provenance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// The dpkg index is kept in a cache file, so that a one-shot command (scan,
// explain) does not read every .list file of the system (~50 ms of CPU and
// 7 MB read here) to ask about the few programs that listen. The file is
// only a hint: it is keyed by the size and modification time of dpkg's info
// folder, status file and diversions (the same stamp that reloads the index
// in memory) and any mismatch, damage or unknown version rebuilds it. Every
// entry is checked on load: each package name must be one dpkg could have
// written (so its .list and .md5sums files lie directly in the info
// folder), each package number must name one of them, or the whole file is
// refused. Versions are not kept: they come from dpkg's status file. And
// every package the index names for a path is confirmed by finding the path
// in that package's .list file, a regular file that root owns, opened
// without following links, before it is believed. Someone who can write the
// user's cache folder can therefore hide a program's package (which makes
// the program look less trustworthy, not more), never lend a package to a
// program.
const dpkgCacheMagic = "portlight-dpkg-index-v2\n"

// DpkgCacheFile is the cache file's name in the cache folder.
const DpkgCacheFile = "dpkg-index.bin"

// maxDpkgCache bounds what is read of a cache file (the real one is ~1 MB).
const maxDpkgCache = 64 << 20

// dpkgStamp identifies one state of dpkg's database: size and modification
// time of the info folder, the status file and the diversions.
type dpkgStamp [6]int64

func (d *dpkgDB) readStamp() dpkgStamp {
	var st dpkgStamp
	info, status, div := d.paths()
	for i, p := range []string{info, status, div} {
		if fs, err := statFile(p); err == nil {
			st[2*i], st[2*i+1] = fs.mtime, fs.size
		}
	}
	return st
}

// loadCachedDpkg reads the cache file when it was written for stamp; the
// versions and diversions, which are small, are read afresh.
func loadCachedDpkg(path, root, info, status, div string, stamp dpkgStamp) (*dpkgData, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if fi.Size() > maxDpkgCache {
		return nil, errors.New("dpkg cache: too large")
	}
	b, err := readInto(path, nil)
	if err != nil {
		return nil, err
	}
	data, err := parseDpkgCache(b, root, info, stamp)
	if err != nil {
		return nil, err
	}
	if data.versions, err = readDpkgStatus(status); err != nil {
		return nil, err
	}
	data.infoOwner = fileOwner(info)
	data.mergedUsr = isLink(filepath.Join(root, "bin"))
	data.divertFrom, data.divertTo = readDiversions(div)
	return data, nil
}

// parseDpkgCache decodes a cache file written for root and stamp, checking
// every entry: any damage refuses the whole file.
func parseDpkgCache(b []byte, root, info string, stamp dpkgStamp) (*dpkgData, error) {
	r := cacheReader{b: b}
	if string(r.next(len(dpkgCacheMagic))) != dpkgCacheMagic {
		return nil, errors.New("dpkg cache: not a cache file of this version")
	}
	if r.str() != root {
		return nil, errors.New("dpkg cache: another root")
	}
	for _, v := range stamp {
		if int64(r.u64()) != v {
			return nil, errors.New("dpkg cache: stale")
		}
	}
	data := &dpkgData{infoDir: info, idx: &pathIndex{key: r.u64()}, fromCache: true}
	n := r.u64()
	if n > maxPackages || n > uint64(len(b)/4) {
		return nil, errors.New("dpkg cache: bad package count")
	}
	data.stems = make([]string, n)
	for i := range data.stems {
		data.stems[i] = r.str()
		if r.err == nil && !validStem(data.stems[i]) {
			return nil, fmt.Errorf("dpkg cache: bad package name %q", data.stems[i])
		}
	}
	n = r.u64()
	if n > uint64(len(b)/8) {
		return nil, errors.New("dpkg cache: bad entry count")
	}
	data.idx.entries = make([]uint64, n)
	for i := range data.idx.entries {
		e := r.u64()
		if r.err == nil && e&0xffff >= uint64(len(data.stems)) {
			return nil, fmt.Errorf("dpkg cache: package number %d of %d", e&0xffff, len(data.stems))
		}
		data.idx.entries[i] = e
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errors.New("dpkg cache: trailing bytes")
	}
	if !slices.IsSorted(data.idx.entries) {
		return nil, errors.New("dpkg cache: index out of order")
	}
	return data, nil
}

// saveDpkgCache writes data's index for stamp to path, atomically (a
// temporary file renamed into place), mode 0600 in a folder made 0700.
func saveDpkgCache(path, root string, stamp dpkgStamp, data *dpkgData) error {
	b := []byte(dpkgCacheMagic)
	b = appendCacheStr(b, root)
	for _, v := range stamp {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	b = binary.LittleEndian.AppendUint64(b, data.idx.key)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(data.stems)))
	for _, s := range data.stems {
		b = appendCacheStr(b, s)
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(data.idx.entries)))
	for _, e := range data.idx.entries {
		b = binary.LittleEndian.AppendUint64(b, e)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("dpkg cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("dpkg cache: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dpkg cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("dpkg cache: %w", err)
	}
	return nil
}

func appendCacheStr(b []byte, s string) []byte {
	return append(binary.LittleEndian.AppendUint32(b, uint32(len(s))), s...)
}

// cacheReader reads a cache file; the first error sticks.
type cacheReader struct {
	b   []byte
	err error
}

func (r *cacheReader) next(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		if r.err == nil {
			r.err = errors.New("dpkg cache: truncated")
		}
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) u64() uint64 {
	if v := r.next(8); v != nil {
		return binary.LittleEndian.Uint64(v)
	}
	return 0
}

func (r *cacheReader) str() string {
	v := r.next(4)
	if v == nil {
		return ""
	}
	return string(r.next(int(binary.LittleEndian.Uint32(v))))
}

// confirmed keeps the packages among owners whose .list file names path:
// the check that makes a cached index a hint only. The .list file must be
// dpkg's (readInfo); a package number or name the load let through would be
// a bug, and is refused here too rather than trusted or panicked on.
func (d *dpkgData) confirmed(owners []int, path string) []int {
	if !d.fromCache {
		return owners
	}
	out := owners[:0:0]
	for _, n := range owners {
		if n < 0 || n >= len(d.stems) || !validStem(d.stems[n]) {
			continue
		}
		b, err := d.readInfo(d.stems[n]+".list", nil)
		if err == nil && listsPath(b, path) {
			out = append(out, n)
		}
	}
	return out
}

// listsPath reports whether a newline-separated list holds path as a line.
func listsPath(list []byte, path string) bool {
	for len(list) > 0 {
		line, rest, _ := bytes.Cut(list, []byte{'\n'})
		if string(line) == path {
			return true
		}
		list = rest
	}
	return false
}
