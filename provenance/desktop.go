package provenance

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// desktopEntry is the part of an XDG .desktop file provenance uses.
type desktopEntry struct {
	id, path   string
	name, icon string
	exe        string // the program Exec runs, resolved through PATH and links
	flatpak    string // X-Flatpak: the Flatpak app id
	snap       string // X-SnapInstanceName
	noDisplay  bool
	hidden     bool // Hidden=true: the entry is deleted
}

// desktopIndex indexes the entries of some directories (applications or
// autostart), earlier directories first, built on first use and rebuilt when
// a directory's modification time changes (checked at most every refresh).
type desktopIndex struct {
	dirs    []string
	resolve func(prog string) string
	lang    []string // Name[...] keys to try, most specific first

	mu      sync.Mutex
	checked time.Time
	stamps  []int64
	byID    map[string]*desktopEntry
	byExe   map[string]*desktopEntry
	byApp   map[string]*desktopEntry // Flatpak ids and snap names
}

// refreshEvery bounds how often the directories' times are checked.
const refreshEvery = 2 * time.Second

func newDesktopIndex(dirs []string, resolve func(string) string, lang []string) *desktopIndex {
	return &desktopIndex{dirs: dirs, resolve: resolve, lang: lang}
}

// current makes sure the index is loaded and fresh.
func (x *desktopIndex) current(now time.Time) {
	if x.byID != nil && now.Sub(x.checked) < refreshEvery {
		return
	}
	x.checked = now
	stamps := make([]int64, len(x.dirs))
	for i, d := range x.dirs {
		if st, err := statFile(d); err == nil {
			stamps[i] = st.mtime
		}
	}
	if x.byID != nil && equalStamps(stamps, x.stamps) {
		return
	}
	x.stamps = stamps
	x.load()
}

func equalStamps(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (x *desktopIndex) load() {
	x.byID, x.byExe, x.byApp = map[string]*desktopEntry{}, map[string]*desktopEntry{}, map[string]*desktopEntry{}
	for _, dir := range x.dirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".desktop") {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			id := strings.ReplaceAll(rel, "/", "-")
			if _, seen := x.byID[id]; seen {
				return nil // an earlier directory's entry of the same id wins
			}
			e := x.parse(p)
			if e == nil {
				return nil
			}
			e.id = id
			x.byID[id] = e
			return nil
		})
	}
	for _, e := range x.byID {
		if e.hidden {
			continue
		}
		if e.exe != "" {
			if old, ok := x.byExe[e.exe]; !ok || better(e, old) {
				x.byExe[e.exe] = e
			}
		}
		for _, app := range []string{e.flatpak, e.snap} {
			if old, ok := x.byApp[app]; app != "" && (!ok || better(e, old)) {
				x.byApp[app] = e
			}
		}
	}
}

// better prefers an entry shown in menus, then the lower id, so the
// choice among entries running the same program is stable.
func better(a, b *desktopEntry) bool {
	if a.noDisplay != b.noDisplay {
		return !a.noDisplay
	}
	return a.id < b.id
}

// parse reads the [Desktop Entry] group; nil for what is not an application.
func (x *desktopIndex) parse(path string) *desktopEntry {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	e := &desktopEntry{path: path}
	names := map[string]string{}
	var typ, exec string
	inGroup := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			inGroup = line == "[Desktop Entry]"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !inGroup || !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "Type":
			typ = v
		case k == "Exec":
			exec = v
		case k == "Icon":
			e.icon = v
		case k == "X-Flatpak":
			e.flatpak = v
		case k == "X-SnapInstanceName":
			e.snap = v
		case k == "NoDisplay":
			e.noDisplay = v == "true"
		case k == "Hidden":
			e.hidden = v == "true"
		case k == "Name" || strings.HasPrefix(k, "Name["):
			names[k] = unescapeValue(v)
		}
	}
	if typ != "" && typ != "Application" {
		return nil
	}
	e.name = names["Name"]
	for _, l := range x.lang {
		if n := names["Name["+l+"]"]; n != "" {
			e.name = n
			break
		}
	}
	if prog := execProgram(exec); prog != "" && x.resolve != nil {
		e.exe = x.resolve(prog)
	}
	if e.snap == "" && strings.Contains(path, "/snapd/desktop/") {
		// snapd names its entries <snap>_<app>.desktop.
		if s, _, ok := strings.Cut(filepath.Base(path), "_"); ok {
			e.snap = s
		}
	}
	return e
}

func (x *desktopIndex) lookupID(id string) *desktopEntry {
	if e := x.byID[id]; e != nil && !e.hidden {
		return e
	}
	return nil
}

// unescapeValue undoes the desktop file's string escapes.
func unescapeValue(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	return strings.NewReplacer(`\s`, " ", `\n`, "\n", `\t`, "\t", `\r`, "\r", `\\`, `\`).Replace(v)
}

// execProgram returns the program an Exec line runs: the first word after
// an `env` prefix and its VAR=value words, with the spec's quoting undone.
func execProgram(exec string) string {
	words := execWords(unescapeValue(exec))
	if len(words) > 0 && filepath.Base(words[0]) == "env" {
		words = words[1:]
		for len(words) > 0 && (strings.Contains(words[0], "=") || strings.HasPrefix(words[0], "-")) {
			if words[0] == "-u" && len(words) > 1 {
				words = words[1:]
			}
			words = words[1:]
		}
	}
	if len(words) == 0 || strings.HasPrefix(words[0], "%") {
		return ""
	}
	return words[0]
}

// execWords splits an Exec value into words: double quotes group, and a
// backslash inside them escapes the next character.
func execWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			quoted, inWord = !quoted, true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// desktopQuery names what a process is known by, most specific first.
type desktopQuery struct {
	apps []string // Flatpak ids, snap names
	ids  []string // desktop ids from the unit name, with or without ".desktop"
	exe  string
}

// find returns the first entry the query names; entries are never changed
// after loading, so the pointer is safe to read without the lock.
func (x *desktopIndex) find(now time.Time, q desktopQuery) *desktopEntry {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.current(now)
	for _, a := range q.apps {
		if e := x.byApp[a]; e != nil {
			return e
		}
		if e := x.lookupID(a + ".desktop"); e != nil {
			return e
		}
	}
	for _, id := range q.ids {
		if !strings.HasSuffix(id, ".desktop") {
			id += ".desktop"
		}
		if e := x.lookupID(id); e != nil {
			return e
		}
	}
	if q.exe != "" {
		return x.byExe[q.exe]
	}
	return nil
}
