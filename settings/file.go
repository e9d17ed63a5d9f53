package settings

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"portlight/internal/atomicfile"
	"portlight/monitor/policy"
)

// header opens every settings file Portlight writes.
const header = `# Portlight settings. Portlight rewrites this file when you change settings
# in the app or with "portlight allow"; edits by hand apply within a tick.
# Keys left out take their defaults.

`

// encode renders settings as the file's bytes.
func encode(s Settings) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("settings: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// problemKind says how a file failed to load.
type problemKind string

const (
	fileOK         problemKind = ""
	fileCorrupt    problemKind = "corrupt"
	fileFuture     problemKind = "future"
	fileUnreadable problemKind = "unreadable"
	fileInvalid    problemKind = "invalid" // parsed, with values dropped or defaulted
)

// decoded is the outcome of decoding a file.
type decoded struct {
	s      Settings
	kind   problemKind
	detail string
}

// decode parses a settings file's bytes. It never fails: a file it cannot
// use yields defaults and a problem.
func decode(data []byte) decoded {
	if len(bytes.TrimSpace(data)) == 0 {
		return decoded{s: Defaults(), kind: fileCorrupt, detail: "the file is empty"}
	}
	s := Defaults()
	s.Schema = 0
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&s)
	if err != nil {
		return decoded{s: Defaults(), kind: fileCorrupt, detail: oneLine(err.Error())}
	}
	switch {
	case s.Schema == 0:
		return decoded{s: Defaults(), kind: fileCorrupt, detail: "it has no schema version"}
	case s.Schema > Schema:
		return decoded{s: Defaults(), kind: fileFuture,
			detail: fmt.Sprintf("it was written by a newer Portlight (schema %d; this one knows %d)", s.Schema, Schema)}
	case s.Schema < 0:
		return decoded{s: Defaults(), kind: fileCorrupt, detail: fmt.Sprintf("schema %d is not a version", s.Schema)}
	}
	// Parsed: keep what is good, default or drop what is not, and say so.
	var notes []string
	if keys := md.Undecoded(); len(keys) > 0 {
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.String()
		}
		sort.Strings(names)
		notes = append(notes, "unknown keys ignored: "+strings.Join(names, ", "))
	}
	if s.PollInterval < MinPollInterval || s.PollInterval > MaxPollInterval {
		notes = append(notes, fmt.Sprintf("poll_interval %s is outside %s–%s; using %s",
			s.PollInterval, MinPollInterval, MaxPollInterval, DefaultPollInterval))
		s.PollInterval = DefaultPollInterval
	}
	var names []string
	for _, id := range s.Networks.Trusted {
		if !policy.LooksLikeUUID(id) {
			names = append(names, strconv.Quote(id))
		}
	}
	if len(names) > 0 {
		// Trust goes by connection UUID only: any access point can call
		// itself "Home". The entries stay in the file, unused.
		notes = append(notes, "networks.trusted takes connection UUIDs, not names: "+strings.Join(names, ", ")+" ignored")
	}
	good := s.Allow[:0:0]
	for _, e := range s.Allow {
		e = e.Migrated()
		if err := e.Validate(); err != nil {
			notes = append(notes, err.Error()+"; entry ignored")
			continue
		}
		good = append(good, e)
	}
	if len(s.Allow) > 0 {
		s.Allow = good
	}
	if len(notes) > 0 {
		return decoded{s: s, kind: fileInvalid, detail: strings.Join(notes, "; ")}
	}
	return decoded{s: s}
}

// oneLine squeezes a multi-line error into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// writeAtomic replaces path with data, mode 0600 (see atomicfile.Write):
// a crash leaves either the old file or the new one, never a torn one.
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// backup keeps a copy of a file's bytes beside it as NAME.KIND-TIME (UTC),
// never overwriting an earlier backup, and returns the copy's path.
func backup(path string, data []byte, kind string, now time.Time) (string, error) {
	base := path + "." + kind + "-" + now.UTC().Format("20060102T150405Z")
	name := base
	for i := 2; ; i++ {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) && i < 100 {
			name = fmt.Sprintf("%s-%d", base, i)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("settings: back up %s: %w", path, err)
		}
		_, werr := f.Write(data)
		serr := f.Sync()
		cerr := f.Close()
		if err := errors.Join(werr, serr, cerr); err != nil {
			return "", fmt.Errorf("settings: back up %s: %w", path, err)
		}
		return name, nil
	}
}
