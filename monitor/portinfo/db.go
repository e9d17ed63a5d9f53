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

// DB answers port lookups from parsed sources. It is immutable once built
// and safe for concurrent use.
type DB struct {
	date       string
	reg        []regRow
	regIx      map[string]*lazyIndex // by protocol; "" holds protocol-less rows only
	unofficial []unofficialRow
	unofIx     *portIndex
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
	db := &DB{date: s.RegistryDate, regIx: map[string]*lazyIndex{}}
	if s.IANA != nil {
		rows, err := parseIANA(s.IANA)
		if err != nil {
			return nil, err
		}
		db.reg = rows
	}
	for _, p := range append([]string{""}, knownProtos...) {
		db.regIx[p] = &lazyIndex{build: func() *portIndex {
			var spans []span
			for i := range db.reg {
				if r := &db.reg[i]; r.proto == "" || r.proto == p {
					spans = append(spans, span{lo: r.lo, hi: r.hi, id: int32(i)})
				}
			}
			return newPortIndex(spans)
		}}
	}
	// Order of kinds in a lookup: curated dev servers (checked, current),
	// Wikipedia (community, 2020), then ATT&CK (history).
	if s.DevServers != nil {
		rows, err := parseDevServers(s.DevServers)
		if err != nil {
			return nil, err
		}
		db.unofficial = append(db.unofficial, rows...)
	}
	if s.Wikipedia != nil {
		rows, err := parseWikipedia(s.Wikipedia)
		if err != nil {
			return nil, err
		}
		db.unofficial = append(db.unofficial, rows...)
	}
	if s.Attack != nil {
		rows, err := parseAttack(s.Attack, s.AttackCitations)
		if err != nil {
			return nil, err
		}
		db.unofficial = append(db.unofficial, rows...)
	}
	spans := make([]span, len(db.unofficial))
	for i, u := range db.unofficial {
		spans[i] = span{lo: u.lo, hi: u.hi, id: int32(i)}
	}
	db.unofIx = newPortIndex(spans)
	return db, nil
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
	ix, ok := db.regIx[proto]
	if !ok {
		ix = db.regIx[""]
	}
	reserved := false
	for _, id := range ix.get().at(port) {
		r := &db.reg[id]
		switch {
		case r.svc.Name != "":
			info.Services = append(info.Services, r.svc)
		default:
			if isReservedRow(r) {
				reserved = true
			}
			info.Unnamed = append(info.Unnamed, r.svc)
		}
	}
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
	for _, id := range db.unofIx.at(port) {
		u := &db.unofficial[id]
		if !u.protos.has(proto) {
			continue
		}
		if u.dedupe != "" {
			if slices.Contains(seen, u.dedupe) {
				continue
			}
			seen = append(seen, u.dedupe)
		}
		v := u.u
		v.Refs = slices.Clone(v.Refs)
		info.Unofficial = append(info.Unofficial, v)
	}
	return info
}

// String describes the DB's size, for logs.
func (db *DB) String() string {
	return fmt.Sprintf("portinfo.DB{registry %s: %d rows; %d unofficial uses}", db.date, len(db.reg), len(db.unofficial))
}
