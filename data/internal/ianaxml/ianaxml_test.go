package ianaxml

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"strings"
	"testing"
)

func parseMini(t *testing.T) *Registry {
	t.Helper()
	f, err := os.Open("testdata/mini.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reg, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestParse(t *testing.T) {
	reg := parseMini(t)
	if reg.Updated != "2026-08-17" {
		t.Errorf("updated %q", reg.Updated)
	}
	want := []Record{
		{Protocol: "tcp", Number: "2", Description: "Reserved", Modified: "2025-02-13",
			Notes: "De-assigned on 2025-02-13, previously compressnet by Bernie Volz"},
		{Name: "smtp", Protocol: "tcp", Number: "25", Description: "Simple Mail Transfer",
			Assignee: "IESG", Contact: "IETF Chair (IETF)",
			Reference:  "RFC-ietf-emailcore-rfc5321bis-43; RFC8765, Section 6.1",
			Registered: "2001-01-01", Modified: "2017-06-05"},
		{Name: "whoispp", Protocol: "udp", Number: "63",
			Description: "whois++\n\nIANA assigned this well-formed service name as a replacement for \"whois++\".",
			Assignee:    "Unknown Person", Contact: "Unknown Person",
			Reference:    "The spec (https://example.org/spec); https://example.org/bare",
			Unauthorized: "someone else used it"},
		{Name: "exp1", Number: "1021-1022", Description: "RFC3692-style Experiment 1",
			Reference: "n/a", Notes: "Only in explicitly-configured experiments."},
	}
	if len(reg.Records) != len(want) {
		t.Fatalf("%d records, want %d (the DNS-SD name has no port): %+v", len(reg.Records), len(want), reg.Records)
	}
	for i := range want {
		if reg.Records[i] != want[i] {
			t.Errorf("record %d\n got %+v\nwant %+v", i, reg.Records[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not XML":    "<registry><record>",
		"no updated": `<registry xmlns="http://www.iana.org/assignments"><record><number>1</number></record></registry>`,
		"blank updated": `<registry><updated> 
	</updated><record><number>1</number></record></registry>`,
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWrite(t *testing.T) {
	reg := parseMini(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, reg); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(buf.String(), "\n", 3)
	if lines[0] != "# "+Generated+" Registry updated 2026-08-17." {
		t.Errorf("comment line %q", lines[0])
	}
	if lines[1] != strings.Join(Columns, ",") {
		t.Errorf("header %q", lines[1])
	}
	gz, err := Gzip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	gz2, _ := Gzip(buf.Bytes())
	if !bytes.Equal(gz, gz2) {
		t.Error("Gzip output is not deterministic")
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	back, _ := io.ReadAll(zr)
	if !bytes.Equal(back, buf.Bytes()) || zr.Name != "" || !zr.ModTime.IsZero() {
		t.Error("Gzip round trip differs or the header carries a name or time")
	}
}

// A service name that starts with "#" is quoted, so a reader that takes
// "#" lines for comments (portinfo's) reads it back as a row.
func TestWriteHashName(t *testing.T) {
	reg := &Registry{Updated: "2026-08-17", Records: []Record{
		{Name: "#x", Protocol: "tcp", Number: "1"},
		{Name: "#\"q\"\n#2", Number: "2", Description: "#d"},
		{Name: "ok", Number: "3"},
	}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, reg); err != nil {
		t.Fatal(err)
	}
	rows := readBack(t, buf.Bytes())
	if len(rows) != len(reg.Records)+1 {
		t.Fatalf("%d records came back as %d rows with the header:\n%s", len(reg.Records), len(rows), buf.String())
	}
	for i, r := range reg.Records {
		if rows[i+1][0] != r.Name || rows[i+1][2] != r.Number || rows[i+1][3] != r.Description {
			t.Errorf("record %d %+v came back as %q", i, r, rows[i+1])
		}
	}
}

// readBack reads the compact CSV as portinfo does: "#" comment lines, one
// field per column.
func readBack(t *testing.T, b []byte) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comment = '#'
	cr.FieldsPerRecord = len(Columns)
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("read back the CSV: %v", err)
	}
	return rows
}
