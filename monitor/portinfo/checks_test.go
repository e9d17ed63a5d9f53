package portinfo

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestChecks(t *testing.T) {
	tests := []struct {
		port  uint16
		proto string
		want  map[string][]string // OS -> commands, in order
	}{
		{5173, "tcp", map[string][]string{
			"linux":   {"ss -tlnp 'sport = :5173'", "sudo ss -tlnp 'sport = :5173'", "lsof -nP -iTCP:5173 -sTCP:LISTEN"},
			"macos":   {"lsof -nP -iTCP:5173 -sTCP:LISTEN", "sudo lsof -nP -iTCP:5173 -sTCP:LISTEN"},
			"windows": {"netstat -ano | findstr :5173", `tasklist /FI "PID eq <PID>"`},
		}},
		{53, "UDP", map[string][]string{
			"linux":   {"ss -ulnp 'sport = :53'", "sudo ss -ulnp 'sport = :53'", "lsof -nP -iUDP:53"},
			"macos":   {"lsof -nP -iUDP:53", "sudo lsof -nP -iUDP:53"},
			"windows": {"netstat -ano -p udp | findstr :53", `tasklist /FI "PID eq <PID>"`},
		}},
		{65535, "sctp", map[string][]string{ // no sctp tools assumed: TCP forms
			"linux":   {"ss -tlnp 'sport = :65535'", "sudo ss -tlnp 'sport = :65535'", "lsof -nP -iTCP:65535 -sTCP:LISTEN"},
			"macos":   {"lsof -nP -iTCP:65535 -sTCP:LISTEN", "sudo lsof -nP -iTCP:65535 -sTCP:LISTEN"},
			"windows": {"netstat -ano | findstr :65535", `tasklist /FI "PID eq <PID>"`},
		}},
	}
	for _, tt := range tests {
		got := map[string][]string{}
		for _, c := range Checks(tt.port, tt.proto) {
			if c.Title == "" {
				t.Errorf("%d/%s: %s check %q has no title", tt.port, tt.proto, c.OS, c.Command)
			}
			got[c.OS] = append(got[c.OS], c.Command)
		}
		for os, want := range tt.want {
			if strings.Join(got[os], "\n") != strings.Join(want, "\n") {
				t.Errorf("%d/%s %s:\n got %q\nwant %q", tt.port, tt.proto, os, got[os], want)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%d/%s: OSes %v", tt.port, tt.proto, got)
		}
	}
	b, err := json.Marshal(Checks(22, "tcp")[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"os":"linux","title":"Show who listens on TCP 22 (your own processes)","command":"ss -tlnp 'sport = :22'"}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
}
