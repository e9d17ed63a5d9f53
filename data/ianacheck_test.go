package data

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// variant returns the verbatim registry with its date set to date and
// extra appended as top-level records.
func variant(t *testing.T, date, extra string) *CompactIANA {
	t.Helper()
	b, err := os.ReadFile("iana/service-names-port-numbers.xml")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("<updated>"+IANAUpdated+"</updated>"), []byte("<updated>"+date+"</updated>"), 1)
	i := bytes.LastIndex(b, []byte("</registry>"))
	b = append(b[:i:i], []byte(extra+"</registry>\n")...)
	c, err := CompactIANAXML(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tiny is a registry of one record plus extra: enough for the checks that
// do not compare coverage, without parsing the whole registry again.
func tiny(t *testing.T, date, extra string) *CompactIANA {
	t.Helper()
	x := "<registry><updated>" + date + "</updated>" + record("ssh", "tcp", "22", "SSH") + extra + "</registry>"
	c, err := CompactIANAXML(strings.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func record(name, proto, number, desc string) string {
	return fmt.Sprintf("<record><name>%s</name><protocol>%s</protocol><description>%s</description><number>%s</number></record>\n",
		name, proto, desc, number)
}

// TestCheckIANA runs the real registry and forged variants of it through
// the checks update-registry applies.
func TestCheckIANA(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	// Many ranges no wider than IANA's widest (100), covering 3,000 pairs.
	var many strings.Builder
	for i := range 30 {
		lo := 40000 + i*50
		many.WriteString(record(fmt.Sprintf("cover%d", i), "", fmt.Sprintf("%d-%d", lo, lo+49), "x"))
	}
	cases := []struct {
		name, date, extra, want string
		full                    bool // the whole registry, not tiny
	}{
		{"the real registry", IANAUpdated, "", "", true},
		{"tomorrow", "2026-12-03", "", "", false},
		{"years ahead", "2099-01-01", "", "after today", false},
		{"one name over the registered range", "2026-10-01", record("everything", "tcp", "1024-49151", "all"), "on 48128 ports", false},
		{"wider than x11 and vrml", "2026-10-01", record("wide", "", "30000-30100", "101"), "on 101 ports", false},
		{"thousands of small assignments", "2026-10-01", many.String(), "more port and protocol pairs than the built-in one", true},
		{"a few new services", "2026-10-01", record("newsvc", "tcp", "47002", "new") + record("newsvc", "udp", "47002", "new"), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := tiny(t, c.date, c.extra)
			if c.full {
				reg = variant(t, c.date, c.extra)
			}
			ch, err := CheckIANA(reg, now)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one saying %q (change %+v)", err, c.want, ch)
			}
		})
	}
}

// TestCompareIANA counts and names what a registry adds, removes and
// renames.
func TestCompareIANA(t *testing.T) {
	c := variant(t, "2026-10-01", record("newsvc", "tcp", "47002", "new"))
	ch, err := CompareIANA(c)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Added != 1 || ch.Removed != 0 || ch.Renamed != 0 || ch.AddedExamples[0] != "newsvc 47002/tcp" {
		t.Errorf("change %+v", ch)
	}
	if ch.UnassignedBefore-ch.UnassignedAfter != 1 || ch.WidestBefore != 100 {
		t.Errorf("coverage %+v", ch)
	}

	b, err := os.ReadFile("iana/service-names-port-numbers.xml")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("<name>ssh</name>"), []byte("<name>secsh</name>"), 1)
	b = bytes.Replace(b, []byte("<name>telnet</name>"), []byte("<name></name>"), 1)
	c, err = CompactIANAXML(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ch, err = CompareIANA(c); err != nil {
		t.Fatal(err)
	}
	if ch.Renamed != 1 || ch.RenamedExamples[0] != "ssh → secsh 22/tcp" || ch.Removed != 1 || ch.RemovedExamples[0] != "telnet 23/tcp" || ch.Added != 0 {
		t.Errorf("change %+v", ch)
	}
}

// TestCompactIANAXMLCleansText: text from a registry file is cleaned as it
// is parsed, before anything stores or shows it.
func TestCompactIANAXMLCleansText(t *testing.T) {
	// XML 1.0 forbids C0 controls even as references; C1 controls (CSI
	// is U+009B), NEL, bidi controls and separators are legal. The
	// separators are white space to the parser: they become spaces.
	c := tiny(t, "2026-10-01", record("evil\u202e", "tcp", "47002", "a\u009b2Jb\u2028c&#x85;d\u2066e&#x2029;f"))
	for _, bad := range []string{"\u009b", "\u202e", "\u2028", "\u0085", "\u2066", "\u2029"} {
		if bytes.Contains(c.CSV, []byte(bad)) {
			t.Errorf("compact CSV holds %q:\n%s", bad, c.CSV)
		}
	}
	if !bytes.Contains(c.CSV, []byte("evil,tcp,47002,a2Jb c de f")) {
		t.Errorf("cleaned record not found as expected:\n%s", c.CSV)
	}
}
