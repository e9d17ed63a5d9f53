// Package data embeds Portlight's port facts and hands them out as raw
// bytes or readers; package monitor/portinfo parses them. Each file keeps
// its own licence and attribution, listed in data/README.md and exported
// here as Notices for the app's About text.
//
// The IANA registry is embedded in a compact form (iana/ports.csv.gz, a
// gzip'd CSV) built from the verbatim XML by `go generate`; the XML itself
// stays in the source tree, not in the binary.
package data

//go:generate go run ./internal/gen

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
)

var (
	//go:embed iana/ports.csv.gz
	ianaPortsGz []byte

	//go:embed wikipedia/list-of-tcp-and-udp-port-numbers.rev952066257.csv
	wikipediaCSV []byte

	//go:embed curated/dev-server-default-ports.csv
	devServersCSV []byte

	//go:embed mitre-attack/non-standard-ports.csv
	attackPortsCSV []byte

	//go:embed mitre-attack/citations.csv
	attackCitationsCSV []byte

	//go:embed mitre-attack/LICENSE-ATTACK.txt
	attackLicense []byte
)

// IANAPorts returns the compact IANA registry as CSV: a "#" comment line,
// a header of ianaxml.Columns, then one row per port record. The registry
// date is IANAUpdated.
func IANAPorts() (io.Reader, error) {
	zr, err := gzip.NewReader(bytes.NewReader(ianaPortsGz))
	if err != nil {
		return nil, fmt.Errorf("open embedded IANA registry: %w", err)
	}
	return zr, nil
}

// Wikipedia returns the rows of Wikipedia's "List of TCP and UDP port
// numbers", revision 952066257 (2020-04-20), as CSV. CC BY-SA 3.0; see
// WikipediaAttribution.
func Wikipedia() io.Reader { return bytes.NewReader(wikipediaCSV) }

// DevServers returns the curated list of development-server default ports
// as CSV, one checked source URL per row.
func DevServers() io.Reader { return bytes.NewReader(devServersCSV) }

// AttackPorts returns the ports MITRE ATT&CK v18.1 says named software,
// groups or campaigns used, as CSV. See AttackCopyright.
func AttackPorts() io.Reader { return bytes.NewReader(attackPortsCSV) }

// AttackCitations returns the sources cited by AttackPorts, as CSV
// (source_name, description, url).
func AttackCitations() io.Reader { return bytes.NewReader(attackCitationsCSV) }

// AttackLicense returns MITRE's licence text, which must travel with the
// ATT&CK data (shared; do not modify).
func AttackLicense() []byte { return attackLicense }
