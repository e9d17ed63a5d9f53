package monitor

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parseFixture(t *testing.T, dir string) []Socket {
	t.Helper()
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the /proc/net fixtures were recorded on a little-endian machine")
	}
	var out []Socket
	for _, f := range procNetFiles {
		fh, err := os.Open(filepath.Join("testdata", "procnet", dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		out, err = ParseProcNet(fh, f.proto, out)
		fh.Close()
		if err != nil {
			t.Fatalf("%s/%s: %v", dir, f.name, err)
		}
	}
	return out
}

func TestParseProcNetCrafted(t *testing.T) {
	got := parseFixture(t, "crafted")
	a := netip.MustParseAddr
	want := []Socket{
		{Proto: TCP, Family: IPv4, Address: a("127.0.0.1"), Port: 631, Inode: 12345},
		{Proto: TCP, Family: IPv4, Address: a("0.0.0.0"), Port: 22, Inode: 22},
		{Proto: TCP, Family: IPv4, Address: a("15.2.0.10"), Port: 8080, UID: 1000, Inode: 4294967296},
		{Proto: TCP, Family: IPv6, Address: a("::1"), Port: 631, Inode: 12346},
		{Proto: TCP, Family: IPv6, Address: a("::"), Port: 8080, UID: 1000, Inode: 4000},
		{Proto: TCP, Family: IPv6, Address: a("::ffff:127.0.0.1"), Port: 9000, UID: 65534, Inode: 4001},
		{Proto: UDP, Family: IPv4, Address: a("127.0.0.53"), Port: 53, UID: 101, Inode: 16001},
		{Proto: UDP, Family: IPv6, Address: a("::"), Port: 5353, UID: 108, Inode: 17001},
		{Proto: UDP, Family: IPv6, Address: a("fe80::200:ff:5fe:403"), Port: 546, Inode: 17002},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d sockets, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("socket %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if ExposureOf(got[5].Address) != Loopback {
		t.Errorf("IPv4-mapped loopback exposure %s", ExposureOf(got[5].Address))
	}
}

// Recorded from a machine with a TCP and a UDP listener each on 127.0.0.1,
// ::1 and ::, plus an established TCP connection and a connected UDP socket.
func TestParseProcNetRecorded(t *testing.T) {
	got := parseFixture(t, "recorded")
	count := map[string]int{}
	for _, s := range got {
		count[string(s.Proto)+" "+s.Address.String()]++
	}
	want := map[string]int{
		"tcp 127.0.0.1": 1, "tcp 0.0.0.0": 1, "tcp ::1": 1, "tcp ::": 1,
		"udp 127.0.0.1": 1, "udp ::1": 1, "udp ::": 1,
	}
	if len(count) != len(want) {
		t.Errorf("got %v, want %v", count, want)
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d sockets, want %d (all: %v)", k, count[k], n, count)
		}
	}
}

func TestParseProcNetErrors(t *testing.T) {
	for _, line := range []string{
		"   0: 0100007F:0277 00000000:0000 0A 00000000:00000000",                                                  // too few fields
		"   0: 0100007F0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",           // no port
		"   0: 0100007G:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",          // bad hex
		"   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     -1        0 1 1",         // bad uid
		"   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 x 1",          // bad inode
		"   0: 0100007F00:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",        // 10 hex digits
		"   0: 0100007F:10277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",         // 5-digit port
		"   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     4294967296        0 1 1", // uid > 32 bits
	} {
		if _, err := ParseProcNet(strings.NewReader(line), TCP, nil); err == nil {
			t.Errorf("no error for %q", line)
		}
	}
}
