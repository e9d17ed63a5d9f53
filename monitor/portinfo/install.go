package portinfo

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"portlight/data"
	"portlight/internal/atomicfile"
)

// RegistryUpdate is what InstallRegistry stored.
type RegistryUpdate struct {
	// Path is the stored file.
	Path string
	// Date is the new registry's <updated> date.
	Date string
	// Records is its number of port records.
	Records int
	// Previous is the date Portlight spoke from before: the stored
	// registry's, or the embedded one's.
	Previous string
}

// InstallRegistry parses IANA's registry XML from r and, when CheckRegistry
// accepts it, stores it in dir as RegistryFile, atomically (a temporary
// file renamed into place), with mode 0600 in a folder created 0700. The
// caller bounds r's size. source (a URL or a path) is recorded in the
// file's header. On any error nothing is stored. From then on Current, and
// so Lookup, answers from the stored registry.
func InstallRegistry(dir string, r io.Reader, source string) (RegistryUpdate, error) {
	c, err := CheckRegistry(dir, r, source, time.Now())
	if err != nil {
		return RegistryUpdate{}, err
	}
	return c.Install()
}

// RegistryCandidate is a registry that passed CheckRegistry: what storing
// it would change, and the file to store.
type RegistryCandidate struct {
	// Update is what Install reports once stored.
	Update RegistryUpdate
	// Change compares it with the embedded registry.
	Change data.IANAChange

	dir string
	gz  []byte
}

// CheckRegistry parses IANA's registry XML from r and checks it without
// storing anything: it must parse, hold a sane number of records, be no
// older than the registry in use (embedded, or stored in dir) and pass
// data.CheckIANA (dated no later than a day after now, no named range wider
// than IANA's widest, no mass assignment of unassigned ports). A stored
// registry dated after tomorrow (written before these checks existed) does
// not hold a newer one back.
func CheckRegistry(dir string, r io.Reader, source string, now time.Time) (*RegistryCandidate, error) {
	c, err := data.CompactIANAXML(r)
	if err != nil {
		return nil, fmt.Errorf("not IANA's port registry: %w", err)
	}
	if _, err := time.Parse(time.DateOnly, c.Updated); err != nil {
		return nil, fmt.Errorf("registry date %q is not YYYY-MM-DD: %w", c.Updated, err)
	}
	if c.Records < minRecords {
		return nil, fmt.Errorf("registry has %d port records; IANA's has over %d, so this file is truncated or not the port registry",
			c.Records, minRecords)
	}
	previous := data.IANAUpdated
	if c.Updated < previous {
		return nil, fmt.Errorf("registry of %s is older than the one built into Portlight (%s); keeping that", c.Updated, previous)
	}
	change, err := data.CheckIANA(c, now)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, RegistryFile)
	if _, date, err := LoadStored(path); err == nil {
		tomorrow := now.Add(24 * time.Hour).Format(time.DateOnly)
		if c.Updated < date && date <= tomorrow {
			return nil, fmt.Errorf("registry of %s is older than the stored one (%s); keeping that", c.Updated, date)
		}
		if date <= tomorrow {
			previous = max(previous, date)
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Portlight IANA registry updated %s, %d records, fetched %s from %s\n",
		c.Updated, c.Records, now.UTC().Format(time.RFC3339), oneLine(source))
	buf.Write(c.CSV)
	db, err := newDBWithRegistry(buf.Bytes(), c.Updated)
	if err != nil {
		return nil, fmt.Errorf("registry does not load: %w", err)
	}
	if db.reg.count() != c.Records {
		return nil, fmt.Errorf("registry loads %d records, parsed %d", db.reg.count(), c.Records)
	}
	gz, err := gzipBytes(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return &RegistryCandidate{
		Update: RegistryUpdate{Path: path, Date: c.Updated, Records: c.Records, Previous: previous},
		Change: change,
		dir:    dir,
		gz:     gz,
	}, nil
}

// Install stores the checked registry and makes Current use it.
func (c *RegistryCandidate) Install() (RegistryUpdate, error) {
	if err := writeAtomic(c.dir, RegistryFile, c.gz); err != nil {
		return RegistryUpdate{}, err
	}
	reloadCurrent()
	return c.Update, nil
}

// oneLine keeps a source name from breaking the header line.
func oneLine(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r < 0x20 || r == 0x7f {
			b[i] = '?'
		}
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// gzipBytes compresses b.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip registry: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("gzip registry: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip registry: %w", err)
	}
	return buf.Bytes(), nil
}

// writeAtomic writes name in dir through atomicfile.Write, so a reader sees
// the old file or the new one, never a part. dir is created 0700 when
// missing; the file is 0600.
func writeAtomic(dir, name string, b []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make state folder: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, name), b, 0o600); err != nil {
		return fmt.Errorf("store registry: %w", err)
	}
	return nil
}
