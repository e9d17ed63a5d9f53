package ianaxml

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary documents to the registry parser, which also
// reads the files `portlight update-registry` downloads. It must never panic;
// what it accepts must have a non-blank, trimmed <updated> date and port
// numbers, and must survive the trip through the compact CSV as portinfo
// reads it back ("#" comments, 11 fields a row) unchanged, record for record.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed registries in testdata: %v", err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		reg, err := Parse(bytes.NewReader(b))
		if err != nil {
			if reg != nil {
				t.Fatal("a registry with an error")
			}
			return
		}
		if reg.Updated == "" || reg.Updated != strings.TrimSpace(reg.Updated) {
			t.Fatalf("accepted with <updated> %q", reg.Updated)
		}
		for _, r := range reg.Records {
			if r.Number == "" || r.Number != strings.TrimSpace(r.Number) {
				t.Fatalf("record with number %q", r.Number)
			}
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, reg); err != nil {
			t.Fatalf("write CSV: %v", err)
		}
		rows := readBack(t, buf.Bytes())
		if len(rows) != len(reg.Records)+1 {
			t.Fatalf("%d records became %d CSV rows (with the header)", len(reg.Records), len(rows))
		}
		for i, r := range reg.Records {
			want := []string{r.Name, r.Protocol, r.Number, r.Description, r.Assignee, r.Contact,
				r.Reference, r.Registered, r.Modified, r.Notes, r.Unauthorized}
			for j, w := range want {
				// encoding/csv reads a quoted "\r\n" back as "\n".
				if got := rows[i+1][j]; got != strings.ReplaceAll(w, "\r\n", "\n") {
					t.Fatalf("record %d column %s: %q came back as %q", i, Columns[j], w, got)
				}
			}
		}
	})
}
