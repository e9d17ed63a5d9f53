package portinfo

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Sources are the readers a DB is built from. Nil readers are skipped, so
// tests can build a DB from a small fixture of one kind.
type Sources struct {
	// IANA is the compact registry CSV written by data/internal/gen.
	IANA io.Reader
	// RegistryDate is the registry's <updated> date, YYYY-MM-DD.
	RegistryDate string
	// Wikipedia is the Wikipedia table CSV.
	Wikipedia io.Reader
	// DevServers is the curated dev-server CSV.
	DevServers io.Reader
	// Attack and AttackCitations are the ATT&CK port table and its sources.
	Attack, AttackCitations io.Reader
}

// knownProtos are the protocols the registry lists; each gets its own index.
var knownProtos = []string{"tcp", "udp", "sctp", "dccp"}

// DB answers port lookups from parsed sources or from a packed index. It is
// immutable once built and safe for concurrent use.
type DB struct {
	date string
	reg  regTable
	unof unofTable
}

// regTable finds the registry rows that cover a port.
type regTable interface {
	// each calls fn with every row covering port for proto, in registry
	// order: the rows of that protocol (when it is a known one) and the rows
	// naming none. fn must not keep the row.
	each(port uint16, proto string, fn func(*regRow))
	count() int
}

// unofTable finds the unofficial uses listed for a port.
type unofTable interface {
	// each calls fn with every row covering port, whatever its protocols, in
	// source order. fn must not keep the row.
	each(port uint16, fn func(*unofficialRow))
	count() int
}

// sliceReg is a registry table parsed from CSV, with a per-protocol index.
type sliceReg struct {
	rows []regRow
	ix   map[string]*lazyIndex // by protocol; "" holds protocol-less rows only
}

func (t *sliceReg) count() int { return len(t.rows) }

func (t *sliceReg) each(port uint16, proto string, fn func(*regRow)) {
	ix, ok := t.ix[proto]
	if !ok {
		ix = t.ix[""]
	}
	for _, id := range ix.get().at(port) {
		fn(&t.rows[id])
	}
}

// sliceUnof is an unofficial-use table parsed from CSV, with its index.
type sliceUnof struct {
	rows []unofficialRow
	ix   *portIndex
}

func (t *sliceUnof) count() int { return len(t.rows) }

func (t *sliceUnof) each(port uint16, fn func(*unofficialRow)) {
	for _, id := range t.ix.at(port) {
		fn(&t.rows[id])
	}
}

// lazyIndex is a protocol's registry index, built on its first lookup: a
// command that explains one TCP port never builds the UDP, SCTP and DCCP
// ones (each costs 512 KiB and a pass over every row).
type lazyIndex struct {
	once  sync.Once
	ix    *portIndex
	build func() *portIndex
}

// get returns the index, building it on first use.
func (l *lazyIndex) get() *portIndex {
	l.once.Do(func() { l.ix = l.build() })
	return l.ix
}

// NewDB parses the sources and indexes them.
func NewDB(s Sources) (*DB, error) {
	reg := &sliceReg{ix: map[string]*lazyIndex{}}
	if s.IANA != nil {
		rows, err := parseIANA(s.IANA)
		if err != nil {
			return nil, err
		}
		reg.rows = rows
	}
	for _, p := range append([]string{""}, knownProtos...) {
		reg.ix[p] = &lazyIndex{build: func() *portIndex {
			var spans []span
			for i := range reg.rows {
				if r := &reg.rows[i]; r.proto == "" || r.proto == p {
					spans = append(spans, span{lo: r.lo, hi: r.hi, id: int32(i)})
				}
			}
			return newPortIndex(spans)
		}}
	}
	unof, err := parseUnofficial(s)
	if err != nil {
		return nil, err
	}
	return &DB{date: s.RegistryDate, reg: reg, unof: unof}, nil
}

// parseUnofficial reads the unofficial-use sources, in the order of kinds
// in a lookup: curated dev servers (checked, current), Wikipedia (community,
// 2020), then ATT&CK (history).
func parseUnofficial(s Sources) (*sliceUnof, error) {
	var all []unofficialRow
	if s.DevServers != nil {
		rows, err := parseDevServers(s.DevServers)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	if s.Wikipedia != nil {
		rows, err := parseWikipedia(s.Wikipedia)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	if s.Attack != nil {
		rows, err := parseAttack(s.Attack, s.AttackCitations)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	spans := make([]span, len(all))
	for i, u := range all {
		spans[i] = span{lo: u.lo, hi: u.hi, id: int32(i)}
	}
	return &sliceUnof{rows: all, ix: newPortIndex(spans)}, nil
}

// NormalizeProto lower-cases and trims a protocol name ("TCP " → "tcp").
func NormalizeProto(proto string) string {
	return strings.ToLower(strings.TrimSpace(proto))
}

// Lookup returns what the DB knows of port for proto ("tcp", "udp", "sctp"
// or "dccp"; other names get only the registry rows that name no protocol).
func (db *DB) Lookup(port uint16, proto string) Info {
	proto = NormalizeProto(proto)
	info := Info{
		Port:         port,
		Proto:        proto,
		Range:        RangeOf(port),
		Services:     []Service{},
		Unofficial:   []Unofficial{},
		RegistryDate: db.date,
	}
	reserved := false
	db.reg.each(port, proto, func(r *regRow) {
		switch {
		case r.svc.Name != "":
			info.Services = append(info.Services, r.svc)
		default:
			if isReservedRow(r) {
				reserved = true
			}
			info.Unnamed = append(info.Unnamed, r.svc)
		}
	})
	switch {
	case info.Range == Dynamic:
		info.Status = StatusDynamic
	case len(info.Services) > 0:
		info.Status = Assigned
	case reserved:
		info.Status = Reserved
	default:
		info.Status = Unassigned
	}
	var seen []string
	db.unof.each(port, func(u *unofficialRow) {
		if !u.protos.has(proto) {
			return
		}
		if u.dedupe != "" {
			if slices.Contains(seen, u.dedupe) {
				return
			}
			seen = append(seen, u.dedupe)
		}
		v := u.u
		v.Refs = slices.Clone(v.Refs)
		info.Unofficial = append(info.Unofficial, v)
	})
	return info
}

// String describes the DB's size, for logs.
func (db *DB) String() string {
	return fmt.Sprintf("portinfo.DB{registry %s: %d rows; %d unofficial uses}", db.date, db.reg.count(), db.unof.count())
}
