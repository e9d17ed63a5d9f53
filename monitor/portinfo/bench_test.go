package portinfo

import (
	"testing"
)

// BenchmarkLookup measures one lookup against the embedded data, cycling
// through ports and both protocols (the index is built before the timer).
func BenchmarkLookup(b *testing.B) {
	if _, err := Embedded(); err != nil {
		b.Fatal(err)
	}
	protos := [2]string{"tcp", "udp"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = Lookup(uint16(i*7919), protos[i&1])
	}
}

// BenchmarkLookupBusy measures a port with many facts (4444/tcp: two
// services, four Wikipedia uses, two ATT&CK entries).
func BenchmarkLookupBusy(b *testing.B) {
	if _, err := Embedded(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Lookup(4444, "tcp")
	}
}

// BenchmarkLoadEmbedded measures the one-time cost of Lookup's first use:
// opening the packed index and reading one port's rows.
func BenchmarkLoadEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		db, err := NewPacked(packedIndex)
		if err != nil {
			b.Fatal(err)
		}
		_ = db.Lookup(22, "tcp")
	}
}

// BenchmarkParseSources measures what a first lookup cost before the packed
// index, and what a stored registry's load still costs in part: gunzip and
// parse the registry, parse the other files, build the indexes.
func BenchmarkParseSources(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		src, err := EmbeddedSources()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewDB(src); err != nil {
			b.Fatal(err)
		}
	}
}
