package provenance

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sort"
)

// pathIndex answers "which packages list this path" without keeping the
// paths: each entry packs a 48-bit hash of the path with a 16-bit package
// number into one uint64, sorted. A desktop's ~300,000 package paths fit in
// a couple of megabytes this way, against tens of megabytes as Go strings.
// A hash collision could name a wrong package; at 48 bits it is about one
// chance in a billion per lookup, and the package's checksum list (read for
// the integrity check) confirms the path whenever the package ships one.
//
// The hash is keyed FNV-1a with a final mix: its key is random per index
// and stored with it, so an index kept in a cache file (dpkgcache.go) is
// looked up with the hash it was built with.
type pathIndex struct {
	key     uint64
	entries []uint64
}

// maxPackages is how many package numbers fit beside the hash.
const maxPackages = 1 << 16

func newPathIndex() *pathIndex { return &pathIndex{key: rand.Uint64()} }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mix64 is the finaliser of MurmurHash3: it spreads FNV's weak high bits,
// which the index keeps.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

func (x *pathIndex) hash(p []byte) uint64 {
	h := uint64(fnvOffset) ^ x.key
	for _, c := range p {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return mix64(h) >> 16
}

func (x *pathIndex) hashString(p string) uint64 {
	h := uint64(fnvOffset) ^ x.key
	for i := 0; i < len(p); i++ {
		h = (h ^ uint64(p[i])) * fnvPrime
	}
	return mix64(h) >> 16
}

// add records that package pkg lists path p.
func (x *pathIndex) add(p []byte, pkg int) {
	if pkg >= maxPackages {
		return
	}
	x.entries = append(x.entries, x.hash(p)<<16|uint64(pkg))
}

// addList records every file of a newline-separated list, skipping lines
// that are directories of the line after them (lists name each directory
// before its contents, and no executable is a directory). prefix is put in
// front of each line (pacman lists paths without the leading slash).
func (x *pathIndex) addList(list []byte, pkg int, prefix []byte, buf []byte) []byte {
	for len(list) > 0 {
		line, rest, _ := bytes.Cut(list, []byte{'\n'})
		list = rest
		if len(line) == 0 || bytes.HasSuffix(line, []byte{'/'}) {
			continue
		}
		if next, _, _ := bytes.Cut(rest, []byte{'\n'}); len(next) > len(line) &&
			next[len(line)] == '/' && bytes.HasPrefix(next, line) {
			continue
		}
		if len(prefix) > 0 {
			buf = append(append(buf[:0], prefix...), line...)
			line = buf
		}
		x.add(line, pkg)
	}
	return buf
}

// finish sorts the entries and drops duplicates; call once after adding.
func (x *pathIndex) finish() {
	slices.Sort(x.entries)
	x.entries = slices.Compact(x.entries)
	x.entries = slices.Clip(x.entries)
}

// owners returns the numbers of the packages that list path p.
func (x *pathIndex) owners(p string) []int {
	h := x.hashString(p)
	i := sort.Search(len(x.entries), func(i int) bool { return x.entries[i]>>16 >= h })
	var out []int
	for ; i < len(x.entries) && x.entries[i]>>16 == h; i++ {
		out = append(out, int(x.entries[i]&0xffff))
	}
	return out
}

// bytes is the memory the index holds.
func (x *pathIndex) size() int { return 8 * cap(x.entries) }
