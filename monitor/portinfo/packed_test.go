package portinfo

import (
	"bytes"
	"reflect"
	"testing"
)

// sourceDB parses the embedded sources the long way, as the packed index's
// reference.
func sourceDB(t *testing.T) (*DB, []byte) {
	t.Helper()
	src, err := EmbeddedSources()
	if err != nil {
		t.Fatal(err)
	}
	db, err := NewDB(src)
	if err != nil {
		t.Fatal(err)
	}
	src, _ = EmbeddedSources()
	packed, err := Pack(src)
	if err != nil {
		t.Fatal(err)
	}
	return db, packed
}

// TestPackedIndexMatchesSources checks that the embedded ports.idx is what
// Pack makes of the embedded data today, and that it answers every port of
// every protocol exactly as the parsed sources do.
func TestPackedIndexMatchesSources(t *testing.T) {
	db, packed := sourceDB(t)
	if !bytes.Equal(packed, []byte(packedIndex)) {
		t.Fatalf("ports.idx (%d bytes) is not the packed embedded data (%d bytes): run go generate ./monitor/portinfo",
			len(packedIndex), len(packed))
	}
	emb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if emb.reg.count() != db.reg.count() || emb.unof.count() != db.unof.count() || emb.date != db.date {
		t.Fatalf("packed %v, parsed %v", emb, db)
	}
	protos := []string{"tcp", "udp", "sctp", "dccp", "icmp"}
	step := 1
	if testing.Short() {
		step = 7 // a sample of every range, each protocol
	}
	for _, proto := range protos {
		for p := 0; p < 65536; p += step {
			want, got := db.Lookup(uint16(p), proto), emb.Lookup(uint16(p), proto)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d/%s: packed\n%+v\nparsed\n%+v", p, proto, got, want)
			}
		}
	}
	// Ports with facts of every kind, whatever the sampling.
	for _, p := range []uint16{22, 80, 443, 4444, 5173, 6665, 6667, 31337, 65535} {
		if want, got := db.Lookup(p, "tcp"), emb.Lookup(p, "tcp"); !reflect.DeepEqual(got, want) {
			t.Fatalf("%d/tcp: packed\n%+v\nparsed\n%+v", p, got, want)
		}
	}
}

// TestPackedIndexRejectsDamage opens truncated and altered copies of the
// index: each is refused or answers without a panic.
func TestPackedIndexRejectsDamage(t *testing.T) {
	if _, err := NewPacked(packedIndex[:len(packMagic)-1]); err == nil {
		t.Error("a truncated magic was accepted")
	}
	if _, err := NewPacked("x" + packedIndex[1:]); err == nil {
		t.Error("a wrong magic was accepted")
	}
	refused := 0
	for n := 0; n < len(packedIndex); n += 4099 {
		db, err := NewPacked(packedIndex[:n])
		if err != nil {
			refused++
			continue
		}
		for _, p := range []uint16{0, 22, 443, 4444, 65535} {
			db.Lookup(p, "tcp")
		}
	}
	if refused == 0 {
		t.Error("no truncation was refused")
	}
}
