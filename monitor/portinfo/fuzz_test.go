package portinfo

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzParseIANA feeds arbitrary bytes to the compact registry reader, which
// also reads the file `portlight update-registry` stores in the user's
// folder. It must never panic; each row it returns covers a real interval
// that its Ports text says, with a lower-case protocol.
func FuzzParseIANA(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := parseIANA(bytes.NewReader(b))
		if err != nil {
			if rows != nil {
				t.Fatalf("rows with an error: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.lo > r.hi {
				t.Fatalf("row %+v runs backwards", r)
			}
			lo, hi, err := parsePorts(r.svc.Ports, "-")
			if err != nil || lo != r.lo || hi != r.hi {
				t.Fatalf("row %+v: its Ports %q read as %d-%d (%v)", r, r.svc.Ports, lo, hi, err)
			}
			if r.proto != strings.ToLower(r.proto) {
				t.Fatalf("row %+v: protocol not lower-case", r)
			}
		}
	})
}

// Unofficial-use readers, chosen by FuzzParseUnofficial's second argument.
const (
	fuzzWikipedia = iota
	fuzzDevServers
	fuzzAttack          // the bytes are the port table, with the fixture's citations
	fuzzAttackCitations // the bytes are the citations, with the fixture's port table
	fuzzReaders
)

// FuzzParseUnofficial feeds arbitrary bytes to the unofficial-use readers
// (Wikipedia, dev servers, ATT&CK ports and citations). They must never
// panic, and each use they return must cover a real interval, apply to
// some protocol, and say what it is and where it comes from.
func FuzzParseUnofficial(f *testing.F) {
	attack, err := os.ReadFile("testdata/attack.csv")
	if err != nil {
		f.Fatal(err)
	}
	citations, err := os.ReadFile("testdata/citations.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		var rows []unofficialRow
		var err error
		switch which % fuzzReaders {
		case fuzzWikipedia:
			rows, err = parseWikipedia(bytes.NewReader(b))
		case fuzzDevServers:
			rows, err = parseDevServers(bytes.NewReader(b))
		case fuzzAttack:
			rows, err = parseAttack(bytes.NewReader(b), bytes.NewReader(citations))
		case fuzzAttackCitations:
			rows, err = parseAttack(bytes.NewReader(attack), bytes.NewReader(b))
		}
		if err != nil {
			if rows != nil {
				t.Fatalf("rows with an error: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.lo > r.hi || r.protos == 0 || r.u.Use == "" || r.u.Source == "" || r.u.Kind == "" {
				t.Fatalf("reader %d returned %+v", which%fuzzReaders, r)
			}
		}
	})
}
