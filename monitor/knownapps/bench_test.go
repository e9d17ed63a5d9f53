package knownapps

import (
	"testing"

	"portlight/data"
)

// BenchmarkExpects measures one Expects against the embedded file, cycling
// through a known program on its port, an interpreter on a dev-server
// port, and an unknown program (the DB is parsed before the timer).
func BenchmarkExpects(b *testing.B) {
	if _, err := Embedded(); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		p    Program
		port uint16
	}{
		{Program{Exe: "/usr/bin/syncthing", Package: "syncthing"}, 22000},
		{Program{Exe: "/usr/bin/python3.12", Home: "/home/ann"}, 8000},
		{Program{Exe: "/home/ann/bin/server", Home: "/home/ann"}, 8000},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := cases[i%len(cases)]
		_, _ = Expects(c.p, c.port, "tcp")
	}
}

// BenchmarkParseEmbedded measures parsing and validating the shipped file.
func BenchmarkParseEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data.Programs()); err != nil {
			b.Fatal(err)
		}
	}
}
