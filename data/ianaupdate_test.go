package data

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestCompactIANAXMLMatchesEmbedded parses the verbatim registry in iana/
// through the exported wrapper and checks that it yields exactly what is
// embedded: the same date, record count and CSV bytes.
func TestCompactIANAXMLMatchesEmbedded(t *testing.T) {
	f, err := os.Open("iana/service-names-port-numbers.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := CompactIANAXML(f)
	if err != nil {
		t.Fatalf("CompactIANAXML: %v", err)
	}
	if c.Updated != IANAUpdated || c.Records != IANARecords {
		t.Errorf("got %s with %d records, want %s with %d", c.Updated, c.Records, IANAUpdated, IANARecords)
	}
	r, err := IANAPorts()
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.CSV, want) {
		t.Errorf("compact CSV differs from the embedded one (%d vs %d bytes)", len(c.CSV), len(want))
	}
}

// TestCompactIANAXMLRefusesHostileShapes checks the shape pass: deep nesting
// and element floods fail fast, before the parser builds anything.
func TestCompactIANAXMLRefusesHostileShapes(t *testing.T) {
	cases := map[string]struct {
		xml  string
		want string
	}{
		"deep nesting": {"<registry>" + strings.Repeat("<a>", 2_000_000), "nest more than"},
		"element flood": {"<registry><updated>2026-09-01</updated>" + strings.Repeat("<x/>", maxIANAElements+1) + "</registry>",
			"more than 1000000 elements"},
		"entity bomb": {`<?xml version="1.0"?><!DOCTYPE registry [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
			`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><registry><updated>&c;</updated></registry>`, "entity"},
		"external entity": {`<?xml version="1.0"?><!DOCTYPE registry [<!ENTITY x SYSTEM "file:///etc/passwd">]>` +
			`<registry><updated>2026-09-01</updated><record><description>&x;</description><number>1</number></record></registry>`, "entity"},
		"not XML":  {"{\"registry\": []}", "parse registry XML"},
		"no date":  {"<registry><record><number>1</number></record></registry>", "no <updated> date"},
		"HTML 404": {"<!DOCTYPE html><html><head><title>Not found</title></head><body><p>Gone</body></html>", ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got, err := CompactIANAXML(strings.NewReader(c.xml))
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s to refuse", d)
			}
		})
	}
}
