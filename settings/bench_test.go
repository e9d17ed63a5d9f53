package settings

import (
	"testing"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// BenchmarkCheckUnchanged is the per-tick cost of watching the file.
func BenchmarkCheckUnchanged(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Update(func(c *Settings) error { c.AllowEntry(policy.AllowEntry{Path: "/usr/bin/x"}); return nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if s.Check() {
			b.Fatal("changed")
		}
	}
}

// BenchmarkAssess is the per-listener cost of judging under the store's
// settings with 50 allow-list entries, the real port data and no pins.
func BenchmarkAssess(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s.Update(func(c *Settings) error {
		for i := range 50 {
			c.AllowEntry(policy.AllowEntry{Path: "/opt/p" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Ports: []uint16{uint16(1000 + i)}})
		}
		return nil
	})
	l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2825, Exposure: monitor.Network,
		Process: monitor.Process{PID: 1, Exe: "/opt/pz", Cmdline: "/opt/pz"}}
	p := s.Policy()
	b.ReportAllocs()
	for b.Loop() {
		p.Assess(l)
	}
}
