package data

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"portlight/data/internal/ianaxml"
)

// CompactIANA is a copy of IANA's registry turned into the compact form that
// IANAPorts serves: what `portlight update-registry` stores in place of the
// embedded registry.
type CompactIANA struct {
	// Updated is the registry's <updated> date, YYYY-MM-DD as IANA writes it.
	Updated string
	// Records is the number of port records.
	Records int
	// CSV is the compact registry, uncompressed, in the format of IANAPorts.
	CSV []byte

	records []ianaxml.Record // for CompareIANA
}

// CompactIANAXML parses IANA's registry XML (the file published at
// https://www.iana.org/assignments/service-names-port-numbers/) with the same
// parser as the generator of the embedded registry, and returns it in
// compact form. It reads all of r, so the caller bounds r's size. Every text
// field is cleaned as it is parsed (safetext): no escape sequence, control
// character, bidi control or line separator from the file reaches a window.
// CheckIANA says whether the result is fit to replace the embedded registry.
//
// A hostile file cannot make it expand or pile up: encoding/xml expands no
// entities declared in a DTD (an entity-expansion bomb fails to parse), and a
// first pass refuses nesting deeper than maxIANADepth and more than
// maxIANAElements elements before the parser keeps anything (16 MiB of
// nested tags would otherwise cost the parser's element stack about 1 GB).
func CompactIANAXML(r io.Reader) (*CompactIANA, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read IANA registry: %w", err)
	}
	if err := checkXMLShape(b); err != nil {
		return nil, err
	}
	reg, err := ianaxml.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ianaxml.WriteCSV(&buf, reg); err != nil {
		return nil, fmt.Errorf("compact IANA registry: %w", err)
	}
	return &CompactIANA{Updated: reg.Updated, Records: len(reg.Records), CSV: buf.Bytes(), records: reg.Records}, nil
}

// Bounds on the shape of a registry file. IANA's registry nests 5 deep and
// has about 105,000 elements.
const (
	maxIANADepth    = 16
	maxIANAElements = 1_000_000
)

// checkXMLShape walks the raw tokens of b, which keeps no element stack, and
// fails on nesting or element counts far beyond any real registry.
func checkXMLShape(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, elements := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parse registry XML: %w", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elements++
			if depth > maxIANADepth {
				return fmt.Errorf("parse registry XML: elements nest more than %d deep", maxIANADepth)
			}
			if elements > maxIANAElements {
				return fmt.Errorf("parse registry XML: more than %d elements", maxIANAElements)
			}
		case xml.EndElement:
			depth--
		}
	}
}
