package monitor

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseDiagMessages feeds arbitrary datagrams to the inet_diag reply
// parser: it must never panic, and what it accepts must be a listening
// socket of the family asked for, on a real port.
func FuzzParseDiagMessages(f *testing.F) {
	lo := netip.MustParseAddr("127.0.0.1")
	f.Add(cat(diagMsg(1, 2, afInet, stateTCPListen, lo, 80, 0, 7), doneMsg(1, 2)), uint8(0))
	f.Add(cat(diagMsg(1, 2, afInet6, stateTCPClose, netip.IPv6Unspecified(), 53, 0, 7), doneMsg(1, nlmFDumpIntr)), uint8(3))
	f.Add(errMsg(1, 13), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, qi uint8) {
		q := diagQueries[int(qi)%len(diagQueries)]
		socks, _, _, _ := parseDiagMessages(b, 1, q, nil)
		for _, s := range socks {
			if s.Port == 0 || s.Proto != q.proto || (s.Family == IPv4) != (q.family == afInet) || !s.Address.IsValid() {
				t.Fatalf("accepted %+v for query %+v", s, q)
			}
		}
	})
}

// FuzzParseProcNetLine feeds arbitrary lines to the /proc/net parser: no
// panic, and an accepted line gives a socket whose address family matches
// the width of its hex address.
func FuzzParseProcNetLine(f *testing.F) {
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		b, err := os.ReadFile(filepath.Join("testdata", "procnet", "recorded", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			f.Add(line, name[0] == 'u')
		}
	}
	f.Fuzz(func(t *testing.T, line []byte, udp bool) {
		proto := TCP
		if udp {
			proto = UDP
		}
		s, ok, err := parseProcNetLine(line, proto)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if ok && (s.Port == 0 || s.Proto != proto || (s.Family == IPv4) != s.Address.Is4()) {
			t.Fatalf("accepted %+v from %q", s, line)
		}
		// The whole-file parser agrees with the line parser.
		socks, ferr := ParseProcNet(bytes.NewReader(line), proto, nil)
		if !bytes.ContainsAny(line, "\r\n") && !bytes.Contains(line, []byte("local_address")) && len(line) < 60000 {
			if (ferr != nil) != (err != nil) || len(socks) != map[bool]int{true: 1, false: 0}[ok] {
				t.Fatalf("file parser: %v %v, line parser: %v %v", socks, ferr, ok, err)
			}
		}
	})
}
