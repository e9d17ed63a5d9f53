package portinfo

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The packed index holds a DB's rows in the form lookups read them, so that a
// command explaining one port reads that port's rows and nothing else: no
// gunzip, no CSV parse, no text cleaning, no per-protocol index. Built from
// the embedded sources by Pack (`go generate`), embedded as ports.idx, and
// checked by TestPackedIndexMatchesSources.
//
// Layout (little endian; str is a uvarint length and the bytes):
//
//	magic, date str, registry table's offset u32, unofficial table's u32
//	registry:   maxWidth u16, n u32, n × span, then the rows
//	unofficial: maxWidth u16, n u32, n × span, then the rows
//
// A span is lo u16, hi u16, id u32 (the row's place in source order), off u32
// (the row's offset from the start of the index) and a protocol byte, sorted
// by lo then id. A registry row is its protocol and the ten Service fields; an
// unofficial row is its dedupe key, Use, Source, Kind, URL, and a uvarint
// count of (title, URL) references. Strings are sliced from the index (a Go
// string, read-only), never copied.
const packMagic = "portlight-portinfo-index-v1\n"

// spanLen is the encoded size of one span.
const spanLen = 2 + 2 + 4 + 4 + 1

// protocol bytes of the registry spans; 0 is a row that names none.
var protoCodes = []string{"", "tcp", "udp", "sctp", "dccp"}

// Pack encodes the DB built from s as the packed index that NewPacked reads.
func Pack(s Sources) ([]byte, error) {
	db, err := NewDB(s)
	if err != nil {
		return nil, err
	}
	reg := db.reg.(*sliceReg).rows
	unof := db.unof.(*sliceUnof).rows
	b := appendStr([]byte(packMagic), db.date)
	head := len(b)
	b = append(b, make([]byte, 8)...) // where each table starts
	binary.LittleEndian.PutUint32(b[head:], uint32(len(b)))

	rs := make([]span, len(reg))
	for i, r := range reg {
		rs[i] = span{lo: r.lo, hi: r.hi, id: int32(i)}
	}
	b, offs, err := appendSpans(b, rs, func(id int32) (byte, error) {
		p := slices.Index(protoCodes, reg[id].proto)
		if p < 0 {
			return 0, fmt.Errorf("registry row %d: protocol %q", id, reg[id].proto)
		}
		return byte(p), nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range reg {
		binary.LittleEndian.PutUint32(b[offs[i]:], uint32(len(b)))
		s := r.svc
		for _, f := range []string{r.proto, s.Name, s.Description, s.Ports, s.Assignee, s.Contact,
			s.Reference, s.Registered, s.Modified, s.Notes, s.UnauthorizedUse} {
			b = appendStr(b, f)
		}
	}

	binary.LittleEndian.PutUint32(b[head+4:], uint32(len(b)))
	us := make([]span, len(unof))
	for i, u := range unof {
		us[i] = span{lo: u.lo, hi: u.hi, id: int32(i)}
	}
	b, offs, err = appendSpans(b, us, func(id int32) (byte, error) { return byte(unof[id].protos), nil })
	if err != nil {
		return nil, err
	}
	for i, r := range unof {
		binary.LittleEndian.PutUint32(b[offs[i]:], uint32(len(b)))
		for _, f := range []string{r.dedupe, r.u.Use, r.u.Source, r.u.Kind, r.u.URL} {
			b = appendStr(b, f)
		}
		b = binary.AppendUvarint(b, uint64(len(r.u.Refs)))
		for _, ref := range r.u.Refs {
			b = appendStr(appendStr(b, ref.Title), ref.URL)
		}
	}
	if uint64(len(b)) > 1<<32-1 {
		return nil, errors.New("packed index larger than 4 GiB")
	}
	return b, nil
}

// appendSpans appends a table of spans sorted by lo then id; offs[id] is
// where row id's offset field is, for the caller to fill in.
func appendSpans(b []byte, spans []span, code func(id int32) (byte, error)) ([]byte, []int, error) {
	sorted := slices.Clone(spans)
	slices.SortFunc(sorted, func(x, y span) int { return cmp.Or(cmp.Compare(x.lo, y.lo), cmp.Compare(x.id, y.id)) })
	width := uint16(0)
	for _, s := range sorted {
		if s.hi < s.lo {
			return nil, nil, fmt.Errorf("row %d: port range %d-%d runs backwards", s.id, s.lo, s.hi)
		}
		width = max(width, s.hi-s.lo)
	}
	le := binary.LittleEndian
	b = le.AppendUint16(b, width)
	b = le.AppendUint32(b, uint32(len(sorted)))
	offs := make([]int, len(spans))
	for _, s := range sorted {
		c, err := code(s.id)
		if err != nil {
			return nil, nil, err
		}
		b = le.AppendUint16(b, s.lo)
		b = le.AppendUint16(b, s.hi)
		b = le.AppendUint32(b, uint32(s.id))
		offs[s.id] = len(b)
		b = le.AppendUint32(b, 0)
		b = append(b, c)
	}
	return b, offs, nil
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// packedTable is one span table of a packed index.
type packedTable struct {
	idx   string // the whole index
	at    int    // where the first span starts
	n     int
	width uint16 // the widest span's hi-lo
}

func (t packedTable) span(i int) (lo, hi uint16, id, off uint32, code byte) {
	p := t.idx[t.at+i*spanLen:]
	lo = uint16(p[0]) | uint16(p[1])<<8
	hi = uint16(p[2]) | uint16(p[3])<<8
	id = uint32(p[4]) | uint32(p[5])<<8 | uint32(p[6])<<16 | uint32(p[7])<<24
	off = uint32(p[8]) | uint32(p[9])<<8 | uint32(p[10])<<16 | uint32(p[11])<<24
	return lo, hi, id, off, p[12]
}

// covering returns, in source order, the spans that cover port and whose
// protocol byte code accepts: a binary search for the last span starting at
// or before port, then back while a span could still reach it.
func (t packedTable) covering(port uint16, accept func(code byte) bool, out []hit) []hit {
	lo, hi := 0, t.n
	for lo < hi { // first span with lo > port
		m := int(uint(lo+hi) >> 1)
		if l, _, _, _, _ := t.span(m); l <= port {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := lo - 1; i >= 0; i-- {
		l, h, id, off, code := t.span(i)
		if int(l)+int(t.width) < int(port) {
			break
		}
		if h >= port && accept(code) {
			out = append(out, hit{id: id, off: off, code: code})
		}
	}
	slices.SortFunc(out, func(x, y hit) int { return cmp.Compare(x.id, y.id) })
	return out
}

// hit is one row found by covering.
type hit struct {
	id, off uint32
	code    byte
}

// reader reads strings from the index.
type reader struct {
	s   string
	off int
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if r.off >= len(r.s) || shift > 63 {
			r.err = errors.New("packed index: truncated number")
			return 0
		}
		c := r.s[r.off]
		r.off++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
}

func (r *reader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.s)-r.off) {
		r.err = errors.New("packed index: truncated string")
		return ""
	}
	s := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// packedReg is the registry table of a packed index.
type packedReg struct{ t packedTable }

func (p *packedReg) count() int { return p.t.n }

func (p *packedReg) each(port uint16, proto string, fn func(*regRow)) {
	want := byte(slices.Index(protoCodes, proto)) // 255 when unknown: "" rows only
	var buf [16]hit
	for _, h := range p.t.covering(port, func(c byte) bool { return c == 0 || c == want }, buf[:0]) {
		r := reader{s: p.t.idx, off: int(h.off)}
		row := regRow{proto: r.str()}
		s := &row.svc
		for _, f := range []*string{&s.Name, &s.Description, &s.Ports, &s.Assignee, &s.Contact,
			&s.Reference, &s.Registered, &s.Modified, &s.Notes, &s.UnauthorizedUse} {
			*f = r.str()
		}
		if r.err == nil {
			fn(&row)
		}
	}
}

// packedUnof is the unofficial-use table of a packed index.
type packedUnof struct{ t packedTable }

func (p *packedUnof) count() int { return p.t.n }

func (p *packedUnof) each(port uint16, fn func(*unofficialRow)) {
	var buf [16]hit
	for _, h := range p.t.covering(port, func(byte) bool { return true }, buf[:0]) {
		r := reader{s: p.t.idx, off: int(h.off)}
		row := unofficialRow{protos: protoSet(h.code), dedupe: r.str()}
		row.u.Use, row.u.Source, row.u.Kind, row.u.URL = r.str(), r.str(), r.str(), r.str()
		if n := r.uvarint(); n > 0 && n < 1<<16 {
			row.u.Refs = make([]Reference, n)
			for i := range row.u.Refs {
				row.u.Refs[i] = Reference{Title: r.str(), URL: r.str()}
			}
		}
		if r.err == nil {
			fn(&row)
		}
	}
}

// NewPacked opens a packed index written by Pack. Only the header is read
// and the row offsets checked; rows are read by the lookups that need them.
func NewPacked(idx string) (*DB, error) {
	if len(idx) < len(packMagic) || idx[:len(packMagic)] != packMagic {
		return nil, errors.New("packed index: bad magic")
	}
	r := reader{s: idx, off: len(packMagic)}
	date := r.str()
	var tables [2]packedTable
	for i := range tables {
		if r.err != nil || len(idx)-r.off < 4 {
			return nil, errors.New("packed index: truncated header")
		}
		at := int(binary.LittleEndian.Uint32([]byte(idx[r.off : r.off+4])))
		r.off += 4
		if at > len(idx)-6 {
			return nil, errors.New("packed index: table out of range")
		}
		p := idx[at:]
		t := packedTable{idx: idx, width: uint16(p[0]) | uint16(p[1])<<8,
			n: int(uint32(p[2]) | uint32(p[3])<<8 | uint32(p[4])<<16 | uint32(p[5])<<24), at: at + 6}
		if t.n > (len(idx)-t.at)/spanLen {
			return nil, errors.New("packed index: truncated spans")
		}
		for j := range t.n {
			if _, _, _, off, _ := t.span(j); int(off) >= len(idx) {
				return nil, errors.New("packed index: row offset out of range")
			}
		}
		tables[i] = t
	}
	if r.err != nil {
		return nil, r.err
	}
	return &DB{date: date, reg: &packedReg{tables[0]}, unof: &packedUnof{tables[1]}}, nil
}
