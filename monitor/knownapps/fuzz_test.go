package knownapps

import (
	"os"
	"strings"
	"testing"
)

// FuzzParseKnownApps feeds arbitrary bytes to Parse. It must never panic;
// a DB it returns holds only rows that pass validation, and its lookups
// must not panic either.
func FuzzParseKnownApps(f *testing.F) {
	mini, err := os.ReadFile("testdata/mini.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mini, uint16(22000), "/usr/bin/syncthing")
	f.Add([]byte(header+withCell("exe", "~/.x/*/y")), uint16(21027), "/home/a/.x/1/y")
	f.Add([]byte(header+withCell("port", "random")), uint16(0), "")
	f.Fuzz(func(t *testing.T, b []byte, port uint16, exe string) {
		db, err := Parse(strings.NewReader(string(b)))
		if err != nil {
			if db != nil {
				t.Fatalf("a DB with an error: %v", err)
			}
			return
		}
		for _, r := range db.rows {
			u := r.use
			if u.Proto != "tcp" && u.Proto != "udp" || u.Random != (u.Port == 0) || u.Port > u.PortEnd ||
				!strings.HasPrefix(u.Source, "https://") || u.Purpose == "" || u.App == "" || u.Name == "" {
				t.Fatalf("invalid row %+v", u)
			}
			a := db.apps[r.app]
			if len(a.exes)+len(a.packages)+len(a.appids)+len(r.runtime) == 0 {
				t.Fatalf("row %+v has no recogniser", u)
			}
		}
		p := Program{Exe: exe, Home: "/home/a", Package: exe, AppID: exe}
		db.Identify(p)
		for _, proto := range []string{"tcp", "udp"} {
			for _, u := range db.ForPort(port, proto) {
				if !u.Covers(port) {
					t.Fatalf("ForPort(%d) returned %+v", port, u)
				}
			}
			if u, ok := db.Expects(p, port, proto); ok && !u.Random && !u.Covers(port) {
				t.Fatalf("Expects(%d) returned %+v", port, u)
			}
		}
	})
}
