// Package knownapps knows which ports common desktop and developer programs
// listen on, from a curated file with one checked source per row
// (data/programs/programs.csv, embedded by package data).
//
// It answers two questions: what documented uses a port has (ForPort, for
// the explainer), and whether a given program is known to listen on a given
// port (Expects, for the policy). A program is recognised by where its
// executable lives, by the package that shipped it, or by its Flatpak or Snap
// id; never by its process name, which any program can choose.
package knownapps

import (
	"fmt"
	"slices"
	"sync"

	"portlight/data"
)

// Use is one documented port use of a known program.
type Use struct {
	// App is the program's id ("syncthing"), Name its display name.
	App, Name string
	// Port..PortEnd is the port or range; both are 0 when Random is set.
	Port, PortEnd uint16
	// Random: the program listens on a port the system picks.
	Random bool
	// Proto is "tcp" or "udp".
	Proto string
	// Scope is where the program usually binds: "loopback" (this computer
	// only) or "any" (reachable from the network, or not stated).
	Scope string
	// Purpose is one sentence in plain words, e.g. "Syncthing uses 21027/udp
	// to discover other devices on the local network."
	Purpose string
	// Source is the documentation page the row was checked against, and
	// Checked the date (YYYY-MM-DD).
	Source, Checked string
}

// Covers reports whether the use is documented for this exact port.
// A Random use covers no particular port.
func (u Use) Covers(port uint16) bool {
	return !u.Random && u.Port <= port && port <= u.PortEnd
}

// Program is how a listener's program is identified: never by process name
// alone.
type Program struct {
	// Exe is the executable's absolute path as the kernel reports it
	// (/proc/PID/exe).
	Exe string
	// Package is the dpkg, rpm or pacman package that ships Exe.
	Package string
	// AppID is the Flatpak application id or the Snap name.
	AppID string
	// Home is the home folder of the user running the program; patterns
	// starting with "~/" are matched under it.
	Home string
}

// app is one known program: its rows and how to recognise it.
type app struct {
	id, name string
	// exes, packages and appids identify the program itself.
	exes     []pattern
	packages []string
	appids   []string
}

// row is one parsed line: a use and the interpreters (runtime column) that
// run the tool, for tools that have no executable of their own.
type row struct {
	use     Use
	app     int // index into DB.apps
	runtime []pattern
}

// DB holds a parsed knowledge file. It is immutable once built and safe for
// concurrent use.
type DB struct {
	apps []app
	rows []row
	// byProto holds, per protocol, the rows with a port or range, sorted by
	// first port, for ForPort.
	byProto map[string][]int
}

var (
	embeddedOnce sync.Once
	embeddedDB   *DB
	embeddedErr  error
)

// Embedded returns the DB parsed from the file embedded in package data,
// parsing it on first use.
func Embedded() (*DB, error) {
	embeddedOnce.Do(func() {
		embeddedDB, embeddedErr = Parse(data.Programs())
		if embeddedErr != nil {
			embeddedErr = fmt.Errorf("known programs: %w", embeddedErr)
		}
	})
	return embeddedDB, embeddedErr
}

// ForPort returns the documented uses of a port for a protocol, in file
// order (for the explainer: "Syncthing uses 21027/udp to discover…"). Uses
// on a random port are not returned: they document no particular port.
// The embedded file is checked by this package's tests; should it ever fail
// to load, ForPort returns nothing and Embedded reports the error.
func ForPort(port uint16, proto string) []Use {
	db, err := Embedded()
	if err != nil {
		return nil
	}
	return db.ForPort(port, proto)
}

// Expects reports whether the knowledge file says this program uses this
// port (or a random port) with this protocol, and the use.
func Expects(p Program, port uint16, proto string) (Use, bool) {
	db, err := Embedded()
	if err != nil {
		return Use{}, false
	}
	return db.Expects(p, port, proto)
}

// Identify returns the known program p is, by executable path, package or
// app id (never by name).
func Identify(p Program) (id, name string, ok bool) {
	db, err := Embedded()
	if err != nil {
		return "", "", false
	}
	return db.Identify(p)
}

// ForPort returns the db's documented uses of port for proto, in file order.
func (db *DB) ForPort(port uint16, proto string) []Use {
	var hits []int
	for _, i := range db.byProto[normProto(proto)] {
		u := &db.rows[i].use
		if u.Port > port {
			break
		}
		if u.Covers(port) {
			hits = append(hits, i)
		}
	}
	// byProto is sorted by port; the explainer reads better in the file's
	// order, which groups a program's uses.
	slices.Sort(hits)
	out := make([]Use, len(hits))
	for k, i := range hits {
		out[k] = db.rows[i].use
	}
	return out
}

// Identify returns the first app (in file order) whose executable pattern,
// package or app id matches p. Interpreters named in the runtime column do
// not identify a program: python3 is not Django.
func (db *DB) Identify(p Program) (id, name string, ok bool) {
	p = p.checked()
	for i := range db.apps {
		if db.apps[i].matches(p) {
			return db.apps[i].id, db.apps[i].name, true
		}
	}
	return "", "", false
}

// Expects reports whether p is documented to listen on port/proto. The
// program matches a row when it is the row's app (Identify's rules) or when
// its executable is one of the row's runtime interpreters. A use naming the
// exact port wins over a random-port use of the same program.
func (db *DB) Expects(p Program, port uint16, proto string) (Use, bool) {
	proto = normProto(proto)
	p = p.checked()
	var isApp []int8 // per app, filled on demand: 0 not yet asked, 1 yes, -1 no
	random := -1
	for i := range db.rows {
		r := &db.rows[i]
		if r.use.Proto != proto || (!r.use.Random && !r.use.Covers(port)) {
			continue
		}
		if isApp == nil {
			isApp = make([]int8, len(db.apps))
		}
		if isApp[r.app] == 0 {
			isApp[r.app] = -1
			if db.apps[r.app].matches(p) {
				isApp[r.app] = 1
			}
		}
		if isApp[r.app] < 0 && !matchAny(r.runtime, p) {
			continue
		}
		if !r.use.Random {
			return r.use, true
		}
		if random < 0 {
			random = i
		}
	}
	if random >= 0 {
		return db.rows[random].use, true
	}
	return Use{}, false
}

// checked blanks an executable path or home folder that is not absolute
// and clean, so "/usr/bin/../../tmp/x" or a home of "/" matches nothing.
func (p Program) checked() Program {
	if !cleanAbs(p.Exe) {
		p.Exe = ""
	}
	if p.Home == "/" || !cleanAbs(p.Home) {
		p.Home = ""
	}
	return p
}

// matches reports whether p is this app by executable, package or app id.
func (a *app) matches(p Program) bool {
	if p.AppID != "" && slices.Contains(a.appids, p.AppID) {
		return true
	}
	if p.Package != "" {
		for _, g := range a.packages {
			if globMatch(g, p.Package) {
				return true
			}
		}
	}
	return matchAny(a.exes, p)
}

// matchAny reports whether p's executable matches one of the patterns.
func matchAny(ps []pattern, p Program) bool {
	for _, pt := range ps {
		if pt.match(p.Exe, p.Home) {
			return true
		}
	}
	return false
}
