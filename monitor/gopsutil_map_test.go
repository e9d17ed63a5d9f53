package monitor

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	gnet "github.com/shirou/gopsutil/v3/net"
)

func loadConns(t *testing.T, name string) []gnet.ConnectionStat {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "gopsutil", name))
	if err != nil {
		t.Fatal(err)
	}
	var conns []gnet.ConnectionStat
	if err := json.Unmarshal(b, &conns); err != nil {
		t.Fatal(err)
	}
	return conns
}

func TestSocketsFromConnections(t *testing.T) {
	a := netip.MustParseAddr
	for _, tc := range []struct {
		file string
		want []Socket
	}{
		{"linux.json", []Socket{
			{Proto: TCP, Family: IPv4, Address: a("0.0.0.0"), Port: 2024},
			{Proto: TCP, Family: IPv4, Address: a("127.0.0.1"), Port: 40611, PID: 31057},
			{Proto: TCP, Family: IPv6, Address: a("::"), Port: 41701, PID: 31057},
			{Proto: TCP, Family: IPv6, Address: a("::1"), Port: 46701, PID: 31057},
			{Proto: UDP, Family: IPv4, Address: a("127.0.0.1"), Port: 33377, PID: 31057},
			{Proto: UDP, Family: IPv6, Address: a("::"), Port: 55844, PID: 31057},
			{Proto: UDP, Family: IPv6, Address: a("::1"), Port: 34245, PID: 31057},
		}},
		{"other-os.json", []Socket{
			{Proto: TCP, Family: IPv6, Address: a("::"), Port: 7000, PID: 412, UID: 501},
			{Proto: TCP, Family: IPv4, Address: a("127.0.0.1"), Port: 5432, PID: 88},
			{Proto: UDP, Family: IPv6, Address: a("fe80::1"), Port: 5353, PID: 90},
			{Proto: UDP, Family: IPv4, Address: a("0.0.0.0"), Port: 137, PID: 91},
			{Proto: TCP, Family: IPv6, Address: a("::"), Port: 445, PID: 4},
			{Proto: UDP, Family: IPv4, Address: a("0.0.0.0"), Port: 500, PID: 3120},
		}},
	} {
		got := socketsFromConnections(loadConns(t, tc.file), nil)
		want := map[Socket]bool{}
		for _, s := range tc.want {
			want[s] = true
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %d sockets, want %d: %+v", tc.file, len(got), len(tc.want), got)
		}
		for _, s := range got {
			if !want[s] {
				t.Errorf("%s: unexpected %+v", tc.file, s)
			}
		}
	}
}
