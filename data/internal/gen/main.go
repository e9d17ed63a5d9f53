// Command gen builds the compact registry that package data embeds from
// IANA's verbatim XML: iana/ports.csv.gz and iana_gen.go. Run it through
// `go generate` in data/; a newer registry is a swap of the XML plus a rerun.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"

	"portlight/data/internal/ianaxml"
)

func main() {
	in := flag.String("in", "iana/service-names-port-numbers.xml", "registry XML")
	out := flag.String("out", ".", "directory of package data")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("open registry: %w", err)
	}
	defer f.Close()
	reg, err := ianaxml.Parse(f)
	if err != nil {
		return err
	}
	var csvBuf bytes.Buffer
	if err := ianaxml.WriteCSV(&csvBuf, reg); err != nil {
		return err
	}
	gz, err := ianaxml.Gzip(csvBuf.Bytes())
	if err != nil {
		return err
	}
	src, err := goSource(reg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "iana"), 0o755); err != nil {
		return fmt.Errorf("make output dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "iana", "ports.csv.gz"), gz, 0o644); err != nil {
		return fmt.Errorf("write compact registry: %w", err)
	}
	if err := os.WriteFile(filepath.Join(out, "iana_gen.go"), src, 0o644); err != nil {
		return fmt.Errorf("write iana_gen.go: %w", err)
	}
	fmt.Printf("gen: %d port records, registry updated %s, %d bytes compressed\n", len(reg.Records), reg.Updated, len(gz))
	return nil
}

// goSource returns the Go file that records the registry's date and size in
// package data. It lives here, not in package ianaxml, which portlight
// links (update-registry parses with it): go/format would bring the Go
// parser and printer into the program, and their package initialisation
// into every command's start-up.
func goSource(reg *ianaxml.Registry) ([]byte, error) {
	src := fmt.Sprintf(`// %s

package data

// IANAUpdated is the <updated> date of the embedded IANA registry.
const IANAUpdated = %q

// IANARecords is the number of port records in the embedded compact registry.
const IANARecords = %d
`, ianaxml.Generated, reg.Updated, len(reg.Records))
	out, err := format.Source([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("format generated Go: %w", err)
	}
	return out, nil
}
