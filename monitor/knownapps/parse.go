package knownapps

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Columns are the knowledge file's columns, in order. Multi-valued cells
// (exe, package, appid, runtime) separate their values with ";".
var Columns = []string{"app", "name", "exe", "package", "appid", "runtime",
	"port", "proto", "scope", "purpose", "source", "checked"}

// minPurpose and maxPurpose bound a purpose sentence: it is shown in a
// notification, and must say something.
const (
	minPurpose = 12
	maxPurpose = 240
)

// Parse reads and validates a knowledge file: a header of Columns, then one
// row per (program, port use); lines starting with "#" are comments. Every
// row must name a source URL, a port, range or "random", a protocol, a
// scope, a one-sentence purpose, a check date, and at least one way to
// recognise the program that is not a bare process name (an absolute
// executable path pattern, a package, an app id, or the interpreter that
// runs it). Rows of one app must agree on its display name. On any error
// Parse returns no DB.
func Parse(r io.Reader) (*DB, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = len(Columns)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if !slices.Equal(head, Columns) {
		return nil, fmt.Errorf("header is %q, want %q", strings.Join(head, ","), strings.Join(Columns, ","))
	}
	db := &DB{byProto: map[string][]int{}}
	appIx := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if err := db.add(rec, appIx); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if len(db.rows) == 0 {
		return nil, errors.New("no rows")
	}
	for i, r := range db.rows {
		if !r.use.Random {
			db.byProto[r.use.Proto] = append(db.byProto[r.use.Proto], i)
		}
	}
	for _, ix := range db.byProto {
		slices.SortStableFunc(ix, func(a, b int) int { return cmp.Compare(db.rows[a].use.Port, db.rows[b].use.Port) })
	}
	return db, nil
}

// add validates one record and appends it, creating or extending its app.
func (db *DB) add(rec []string, appIx map[string]int) error {
	f := make(map[string]string, len(Columns))
	for i, c := range Columns {
		f[c] = strings.TrimSpace(rec[i])
	}
	id, name := f["app"], f["name"]
	if err := checkID(id); err != nil {
		return err
	}
	if name == "" || strings.ContainsAny(name, "\n\r") {
		return fmt.Errorf("app %s: no display name", id)
	}
	exes, err := splitPatterns(f["exe"])
	if err != nil {
		return fmt.Errorf("app %s exe: %w", id, err)
	}
	runtime, err := splitPatterns(f["runtime"])
	if err != nil {
		return fmt.Errorf("app %s runtime: %w", id, err)
	}
	pkgs := splitList(f["package"])
	for _, p := range pkgs {
		if err := parsePackage(p); err != nil {
			return fmt.Errorf("app %s: %w", id, err)
		}
	}
	appids := splitList(f["appid"])
	for _, a := range appids {
		if err := parseAppID(a); err != nil {
			return fmt.Errorf("app %s: %w", id, err)
		}
	}
	if len(exes)+len(pkgs)+len(appids)+len(runtime) == 0 {
		return fmt.Errorf("app %s: no way to recognise the program (an executable path, package, app id or runtime)", id)
	}
	u := Use{App: id, Name: name, Scope: f["scope"], Purpose: f["purpose"], Source: f["source"], Checked: f["checked"]}
	if u.Port, u.PortEnd, u.Random, err = parsePort(f["port"]); err != nil {
		return fmt.Errorf("app %s: %w", id, err)
	}
	if u.Proto = f["proto"]; u.Proto != "tcp" && u.Proto != "udp" {
		return fmt.Errorf("app %s: proto %q is not tcp or udp", id, u.Proto)
	}
	if u.Scope != "loopback" && u.Scope != "any" {
		return fmt.Errorf("app %s: scope %q is not loopback or any", id, u.Scope)
	}
	if err := checkPurpose(u.Purpose); err != nil {
		return fmt.Errorf("app %s: %w", id, err)
	}
	if err := checkSource(u.Source); err != nil {
		return fmt.Errorf("app %s: %w", id, err)
	}
	if _, err := time.Parse(time.DateOnly, u.Checked); err != nil {
		return fmt.Errorf("app %s: checked date %q is not YYYY-MM-DD", id, u.Checked)
	}
	ai, ok := appIx[id]
	if !ok {
		ai = len(db.apps)
		appIx[id] = ai
		db.apps = append(db.apps, app{id: id, name: name})
	}
	a := &db.apps[ai]
	if a.name != name {
		return fmt.Errorf("app %s: display name %q differs from %q on an earlier row", id, name, a.name)
	}
	a.exes = append(a.exes, exes...)
	a.packages = append(a.packages, pkgs...)
	a.appids = append(a.appids, appids...)
	db.rows = append(db.rows, row{use: u, app: ai, runtime: runtime})
	return nil
}

// checkID accepts a lower-case id of letters, digits and hyphens.
func checkID(id string) error {
	if id == "" {
		return errors.New("no app id")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("app id %q: use lower-case letters, digits and hyphens", id)
		}
	}
	return nil
}

// splitList splits a ";"-separated cell, dropping empty values.
func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ";") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// splitPatterns parses a ";"-separated cell of executable path patterns.
func splitPatterns(s string) ([]pattern, error) {
	var out []pattern
	for _, v := range splitList(s) {
		p, err := parsePattern(v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// parsePort reads "N", "N-M" or "random"; port 0 is not a listening port.
func parsePort(s string) (lo, hi uint16, random bool, err error) {
	if s == "random" {
		return 0, 0, true, nil
	}
	a, b, isRange := strings.Cut(s, "-")
	l, err := strconv.ParseUint(a, 10, 16)
	if err != nil || l == 0 {
		return 0, 0, false, fmt.Errorf("port %q is not a port (1-65535), a range N-M or random", s)
	}
	h := l
	if isRange {
		if h, err = strconv.ParseUint(b, 10, 16); err != nil || h <= l {
			return 0, 0, false, fmt.Errorf("port range %q does not run upwards within 1-65535", s)
		}
	}
	return uint16(l), uint16(h), false, nil
}

// checkPurpose wants one plain sentence.
func checkPurpose(s string) error {
	switch {
	case s == "":
		return errors.New("no purpose")
	case len(s) < minPurpose || !strings.Contains(s, " "):
		return fmt.Errorf("purpose %q is not a sentence", s)
	case len(s) > maxPurpose:
		return fmt.Errorf("purpose is %d bytes; keep it to one sentence under %d", len(s), maxPurpose)
	case strings.ContainsAny(s, "\n\r\t"):
		return errors.New("purpose spans lines")
	case !strings.HasSuffix(s, "."):
		return fmt.Errorf("purpose %q does not end with a full stop", s)
	}
	return nil
}

// checkSource wants an https URL with a host.
func checkSource(s string) error {
	u, err := url.Parse(s)
	if err != nil || !strings.HasPrefix(s, "https://") || u.Host == "" || strings.ContainsAny(s, " \n\r\t") {
		return fmt.Errorf("source %q is not an https URL", s)
	}
	return nil
}

// normProto lower-cases and trims a protocol name ("UDP " → "udp").
func normProto(p string) string { return strings.ToLower(strings.TrimSpace(p)) }
