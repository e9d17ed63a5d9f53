package provenance

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// pacmanDB is Arch Linux's local package database
// (/var/lib/pacman/local/<name>-<version>/{desc,files,mtree}), indexed like
// dpkg's on first use and reloaded when the local directory changes.
type pacmanDB struct {
	dir string

	mu    sync.Mutex
	stamp int64
	data  *pacmanData
}

type pacmanData struct {
	idx  *pathIndex
	dirs []string // package number -> entry directory name
}

func newPacmanDB(root string) *pacmanDB {
	return &pacmanDB{dir: filepath.Join(root, "var/lib/pacman/local")}
}

// current returns the loaded database, or nil when there is no pacman.
func (p *pacmanDB) current() *pacmanData {
	st, err := statFile(p.dir)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.data = nil
		return nil
	}
	if p.data != nil && st.mtime == p.stamp {
		return p.data
	}
	ents, err := os.ReadDir(p.dir)
	if err != nil {
		return nil
	}
	data := &pacmanData{idx: newPathIndex()}
	var buf, scratch []byte
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if buf, err = readInto(filepath.Join(p.dir, e.Name(), "files"), buf); err != nil {
			continue
		}
		_, files, ok := bytes.Cut(buf, []byte("%FILES%\n"))
		if !ok {
			continue
		}
		files, _, _ = bytes.Cut(files, []byte("\n\n"))
		scratch = data.idx.addList(files, len(data.dirs), []byte{'/'}, scratch)
		data.dirs = append(data.dirs, e.Name())
	}
	data.idx.finish()
	p.data, p.stamp = data, st.mtime
	return data
}

// owner returns, from a load of the database, the package shipping path, its version and the checksum
// its mtree recorded ("" when none).
func (p *pacmanDB) owner(data *pacmanData, path string) (name, version, sum string, ok bool) {
	if data == nil {
		return "", "", "", false
	}
	owners := data.idx.owners(path)
	if len(owners) == 0 {
		return "", "", "", false
	}
	entry := filepath.Join(p.dir, data.dirs[owners[0]])
	name, version = readPacmanDesc(filepath.Join(entry, "desc"))
	if name == "" {
		return "", "", "", false
	}
	sum, _ = mtreeDigest(filepath.Join(entry, "mtree"), strings.TrimPrefix(path, "/"))
	return name, version, sum, true
}

// readPacmanDesc reads %NAME% and %VERSION% from a desc file.
func readPacmanDesc(path string) (name, version string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", ""
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		switch lines[i] {
		case "%NAME%":
			name = lines[i+1]
		case "%VERSION%":
			version = lines[i+1]
		}
	}
	return name, version
}

// mtreeDigest finds rel's sha256digest (or md5digest) in a gzip-compressed
// mtree file.
func mtreeDigest(path, rel string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	want := "./" + strings.ReplaceAll(rel, " ", `\040`) + " "
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, want) {
			continue
		}
		var md5sum string
		for _, kv := range strings.Fields(line[len(want):]) {
			if v, ok := strings.CutPrefix(kv, "sha256digest="); ok {
				return v, nil
			}
			if v, ok := strings.CutPrefix(kv, "md5digest="); ok {
				md5sum = v
			}
		}
		return md5sum, nil
	}
	return "", sc.Err()
}
