package portinfo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"portlight/data"
	"portlight/internal/statedir"
)

// RegistryFile is the name, in the state folder, of the IANA registry that
// `portlight update-registry` stored: a gzip'd compact CSV whose first line
// is a "#" comment giving its date and record count (see storedHeader).
const RegistryFile = statedir.RegistryFile

// Limits on a stored registry file. The real one is ~230 KB compressed and
// ~1.5 MB as CSV; the limits leave room for growth and stop a gzip bomb.
const (
	maxStoredGzip = 16 << 20
	maxStoredCSV  = 64 << 20
)

// minRecords is the fewest port records a registry may have to be believed:
// IANA's registry only grows, so a file with far fewer records than the
// embedded one is truncated or something else.
var minRecords = data.IANARecords * 8 / 10

// recheckEvery is how often Current looks at the stored file again, so that
// a resident Portlight picks up `portlight update-registry` without a restart.
const recheckEvery = 10 * time.Second

// StoredRegistryPath returns where the stored registry lives: RegistryFile
// in Portlight's state folder (see package statedir).
func StoredRegistryPath() (string, error) { return statedir.Path(RegistryFile) }

// storedHeader is the first line of a stored registry (compiled on first use).
var storedHeader = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^# Portlight IANA registry updated (\d{4}-\d{2}-\d{2}), (\d+) records`)
})

// LoadStored reads a registry stored by InstallRegistry and builds a DB from
// it plus the embedded unofficial-use data. It returns the registry's date.
// Any damage (bad gzip, truncation, a wrong header, a row that does not parse,
// a record count that differs from the header's) is an error.
func LoadStored(path string) (*DB, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("open stored registry: %w", err)
	}
	defer f.Close()
	gz, err := io.ReadAll(io.LimitReader(f, maxStoredGzip+1))
	if err != nil {
		return nil, "", fmt.Errorf("read stored registry: %w", err)
	}
	if len(gz) > maxStoredGzip {
		return nil, "", fmt.Errorf("stored registry %s is larger than %d bytes", path, maxStoredGzip)
	}
	csv, err := gunzip(gz, maxStoredCSV)
	if err != nil {
		return nil, "", fmt.Errorf("stored registry %s: %w", path, err)
	}
	date, records, err := parseStoredHeader(csv)
	if err != nil {
		return nil, "", fmt.Errorf("stored registry %s: %w", path, err)
	}
	db, err := newDBWithRegistry(csv, date)
	if err != nil {
		return nil, "", fmt.Errorf("stored registry %s: %w", path, err)
	}
	if db.reg.count() != records {
		return nil, "", fmt.Errorf("stored registry %s: %d records, its header says %d", path, db.reg.count(), records)
	}
	if records < minRecords {
		return nil, "", fmt.Errorf("stored registry %s: only %d records", path, records)
	}
	return db, date, nil
}

// gunzip decompresses b, failing on a bad or truncated stream and on output
// larger than limit.
func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
	}
	return out, nil
}

// parseStoredHeader reads the date and record count from the first line.
func parseStoredHeader(csv []byte) (date string, records int, err error) {
	line, _, _ := bufio.NewReader(bytes.NewReader(csv)).ReadLine()
	m := storedHeader().FindSubmatch(line)
	if m == nil {
		return "", 0, fmt.Errorf("first line is not a Portlight registry header: %.80q", line)
	}
	if _, err := time.Parse(time.DateOnly, string(m[1])); err != nil {
		return "", 0, fmt.Errorf("header date: %w", err)
	}
	if _, err := fmt.Sscan(string(m[2]), &records); err != nil {
		return "", 0, fmt.Errorf("header record count: %w", err)
	}
	return string(m[1]), records, nil
}

// newDBWithRegistry builds a DB from a compact registry CSV and the embedded
// unofficial-use data (from the packed index, so that it is not parsed again).
func newDBWithRegistry(csv []byte, date string) (*DB, error) {
	db, err := NewDB(Sources{IANA: bytes.NewReader(csv), RegistryDate: date})
	if err != nil {
		return nil, err
	}
	emb, err := Embedded()
	if err != nil {
		return nil, err
	}
	db.unof = emb.unof
	return db, nil
}

// fileStamp identifies one version of the stored file; the zero value means
// there is none.
type fileStamp struct {
	size    int64
	modTime time.Time
}

// current is the DB that Lookup answers from, with what it was loaded from.
var current struct {
	mu        sync.Mutex // serialises (re)loading
	db        atomic.Pointer[DB]
	nextCheck atomic.Int64 // unix nanoseconds; 0 forces a check
	stamp     fileStamp
	loaded    bool
}

// Current returns the DB that Lookup uses: the registry stored by
// `portlight update-registry` when there is one that loads and is not older
// than the embedded one, else the embedded data. A stored file that fails to
// load is logged once as a warning and ignored. Current looks at the stored
// file again at most every 10 s, so a running Portlight picks up an update.
// The error is Embedded's, when the embedded data itself fails to load.
func Current() (*DB, error) {
	if db := current.db.Load(); db != nil && time.Now().UnixNano() < current.nextCheck.Load() {
		return db, nil
	}
	current.mu.Lock()
	defer current.mu.Unlock()
	if db := current.db.Load(); db != nil && time.Now().UnixNano() < current.nextCheck.Load() {
		return db, nil
	}
	defer current.nextCheck.Store(time.Now().Add(recheckEvery).UnixNano())
	path, perr := StoredRegistryPath()
	var stamp fileStamp
	if perr == nil {
		if fi, err := os.Stat(path); err == nil {
			stamp = fileStamp{size: fi.Size(), modTime: fi.ModTime()}
		} else if !errors.Is(err, fs.ErrNotExist) {
			stamp = fileStamp{size: -1} // unreadable: try, and warn, once
		}
	}
	if current.loaded && stamp == current.stamp {
		return current.db.Load(), nil
	}
	db, err := chooseDB(path, stamp)
	if err != nil {
		return nil, err
	}
	current.db.Store(db)
	current.stamp = stamp
	current.loaded = true
	return db, nil
}

// chooseDB loads the stored registry at path when stamp says there is one
// and it is usable, else returns the embedded DB.
func chooseDB(path string, stamp fileStamp) (*DB, error) {
	if stamp != (fileStamp{}) {
		db, date, err := LoadStored(path)
		switch {
		case err != nil:
			slog.Warn("the stored IANA registry is damaged or unreadable; using the embedded one instead (run `portlight update-registry` to fetch a fresh copy)",
				"subsystem", "portinfo", "path", path, "embedded_date", data.IANAUpdated, "err", err)
		case date < data.IANAUpdated:
			slog.Info("the stored IANA registry is older than the one built into Portlight; using the built-in one",
				"subsystem", "portinfo", "path", path, "stored_date", date, "embedded_date", data.IANAUpdated)
		default:
			return db, nil
		}
	}
	return Embedded()
}

// Reload makes the next Current, and so the next Lookup, look at the stored
// registry at once instead of within 10 s (for tests, and after the state
// folder changes).
func Reload() { reloadCurrent() }

// reloadCurrent makes the next Current look at the stored file at once.
func reloadCurrent() { current.nextCheck.Store(0) }
