package portinfo

import (
	"testing"

	"portlight/data"
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

// BenchmarkLoadEmbedded measures the one-time cost Lookup pays on first
// use: gunzip and parse the registry, parse the other files, build indexes.
func BenchmarkLoadEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		iana, err := data.IANAPorts()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := NewDB(Sources{IANA: iana, RegistryDate: data.IANAUpdated, Wikipedia: data.Wikipedia(),
			DevServers: data.DevServers(), Attack: data.AttackPorts(), AttackCitations: data.AttackCitations()}); err != nil {
			b.Fatal(err)
		}
	}
}
