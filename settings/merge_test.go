package settings

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// TestAllowAppMergesIntoTheExistingEntry: "Allow app" on a program that
// already has an entry widens that entry; it keeps the user's note, when it
// was added and, re-hashed, its pin.
func TestAllowAppMergesIntoTheExistingEntry(t *testing.T) {
	added := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		ports     []uint16 // what Allow app asks: nil for any port
		wantPorts []uint16
		wantProto monitor.Proto
	}{
		{"another port", []uint16{9999}, []uint16{8080, 9999}, ""},
		{"any port", nil, nil, ""},
		{"the same port", []uint16{8080}, []uint16{8080}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openT(t)
			exe := filepath.Join(t.TempDir(), "foo")
			if err := os.WriteFile(exe, []byte("v1"), 0o755); err != nil {
				t.Fatal(err)
			}
			v1, err := policy.SharedHasher.Sum(exe)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Update(func(c *Settings) error {
				c.AllowEntry(policy.AllowEntry{Path: exe, Ports: []uint16{8080}, Proto: monitor.TCP,
					SHA256: v1, Added: added, Note: "my dev server"})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			// The program was rebuilt: its file changed, and it binds 9999.
			if err := os.WriteFile(exe, []byte("v2, rebuilt"), 0o755); err != nil {
				t.Fatal(err)
			}
			v2, err := policy.SharedHasher.Sum(exe)
			if err != nil || v2 == v1 {
				t.Fatalf("hash of the new file: %s, %v", v2, err)
			}
			a := Allower{Store: s}
			if len(tc.ports) == 0 {
				err = a.AllowApp(exe)
			} else {
				err = a.AllowAppOnPort(exe, tc.ports[0], monitor.UDP)
			}
			if err != nil {
				t.Fatal(err)
			}
			es := s.Settings().Allow
			if len(es) != 1 {
				t.Fatalf("entries %+v, want one", es)
			}
			e := es[0]
			if e.Note != "my dev server" || !e.Added.Equal(added) {
				t.Errorf("note %q added %v: the user's note and date were lost", e.Note, e.Added)
			}
			if e.SHA256 != v2 {
				t.Errorf("sha256 %q, want the new file's %q (re-pinned, not dropped)", e.SHA256, v2)
			}
			if !slices.Equal(e.Ports, tc.wantPorts) || e.Proto != tc.wantProto {
				t.Errorf("scope %v/%q, want %v/%q", e.Ports, e.Proto, tc.wantPorts, tc.wantProto)
			}
		})
	}
}

// TestAllowerMergesIntoTheExistingEntry: the explainer's "Allow on this
// port" adds the port to the program's entry, keeping its note and pin.
func TestAllowerMergesIntoTheExistingEntry(t *testing.T) {
	s, _ := openT(t)
	exe := filepath.Join(t.TempDir(), "foo")
	if err := os.WriteFile(exe, []byte("v1"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := policy.SharedHasher.Sum(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(c *Settings) error {
		c.AllowEntry(policy.AllowEntry{Path: exe, Ports: []uint16{8080}, Proto: monitor.TCP, SHA256: sum, Note: "kept"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	a := Allower{Store: s}
	if err := a.AllowAppOnPort(exe, 9999, monitor.TCP); err != nil {
		t.Fatal(err)
	}
	es := s.Settings().Allow
	if len(es) != 1 || es[0].Scope() != "ports 8080, 9999/tcp" || es[0].Note != "kept" || es[0].SHA256 != sum {
		t.Fatalf("after allowing on 9999: %+v", es)
	}
	if err := a.AllowApp(exe); err != nil {
		t.Fatal(err)
	}
	if es := s.Settings().Allow; len(es) != 1 || es[0].Scope() != "any port" || es[0].Note != "kept" || es[0].SHA256 != sum {
		t.Fatalf("after allowing on any port: %+v", es)
	}
}

// TestMergeAllowTable covers MergeAllow's scope arithmetic.
func TestMergeAllowTable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, add policy.AllowEntry
		want     string // Scope of the result
	}{
		{"new path is appended", policy.AllowEntry{Path: "/a"}, policy.AllowEntry{Path: "/b", Ports: []uint16{1}}, "port 1"},
		{"ports union, sorted", policy.AllowEntry{Path: "/a", Ports: []uint16{9, 3}}, policy.AllowEntry{Path: "/a", Ports: []uint16{5, 3}}, "ports 3, 5, 9"},
		{"any port stays any", policy.AllowEntry{Path: "/a"}, policy.AllowEntry{Path: "/a", Ports: []uint16{5}}, "any port"},
		{"protocols differ: both", policy.AllowEntry{Path: "/a", Ports: []uint16{5}, Proto: monitor.TCP},
			policy.AllowEntry{Path: "/a", Ports: []uint16{5}, Proto: monitor.UDP}, "port 5"},
		{"same protocol kept", policy.AllowEntry{Path: "/a", Proto: monitor.UDP},
			policy.AllowEntry{Path: "/a", Proto: monitor.UDP}, "any udp port"},
		{"other args: another entry", policy.AllowEntry{Path: "/a", Args: "*x*", Ports: []uint16{1}},
			policy.AllowEntry{Path: "/a", Ports: []uint16{2}}, "port 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Settings{Allow: []policy.AllowEntry{tc.old}}
			got := c.MergeAllow(tc.add)
			if got.Scope() != tc.want {
				t.Errorf("scope %q, want %q", got.Scope(), tc.want)
			}
			if tc.old.Path == tc.add.Path && tc.old.Args == tc.add.Args {
				if len(c.Allow) != 1 || c.Allow[0].Scope() != got.Scope() {
					t.Errorf("entries %+v", c.Allow)
				}
			} else if len(c.Allow) != 2 {
				t.Errorf("entries %+v, want two", c.Allow)
			}
		})
	}
}
