package portinfo

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"portlight/safetext"
)

// regRow is one registry row with its interval and protocol.
type regRow struct {
	svc   Service
	proto string // "" applies to every protocol
	lo    uint16
	hi    uint16
}

// ianaColumns are the columns parseIANA expects, in order (the compact CSV
// written by data/internal/gen).
var ianaColumns = []string{
	"name", "protocol", "number", "description", "assignee", "contact",
	"reference", "registered", "modified", "notes", "unauthorized",
}

// parseIANA reads the compact registry CSV: optional "#" comment lines, a
// header naming ianaColumns, then one row per port record.
func parseIANA(r io.Reader) ([]regRow, error) {
	// Read it whole first: counting lines sizes the row slice once, instead
	// of growing (and copying) ~14,000 rows of ~200 bytes step by step.
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read IANA registry: %w", err)
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comment = '#'
	cr.FieldsPerRecord = len(ianaColumns)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read IANA header: %w", err)
	}
	for i, c := range ianaColumns {
		if head[i] != c {
			return nil, fmt.Errorf("IANA header column %d is %q, want %q", i+1, head[i], c)
		}
	}
	rows := make([]regRow, 0, bytes.Count(raw, []byte{'\n'}))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read IANA registry: %w", err)
		}
		lo, hi, err := parsePorts(rec[2], "-")
		if err != nil {
			line, _ := cr.FieldPos(2)
			return nil, fmt.Errorf("IANA registry line %d: %w", line, err)
		}
		rows = append(rows, regRow{
			proto: strings.ToLower(rec[1]),
			lo:    lo,
			hi:    hi,
			// A stored registry may predate cleaning at XML parse time
			// (data.CompactIANAXML): it is cleaned again as it is read.
			svc: Service{
				Name:            safetext.Line(rec[0], 0),
				Ports:           rec[2],
				Description:     safetext.Lines(rec[3], 0),
				Assignee:        safetext.Line(rec[4], 0),
				Contact:         safetext.Line(rec[5], 0),
				Reference:       safetext.Line(rec[6], 0),
				Registered:      safetext.Line(rec[7], 0),
				Modified:        safetext.Line(rec[8], 0),
				Notes:           safetext.Lines(rec[9], 0),
				UnauthorizedUse: safetext.Lines(rec[10], 0),
			},
		})
	}
	return rows, nil
}

// parsePorts parses "N" or "N<sep>M" (sep is "-" for IANA, "–" or "-" for
// Wikipedia) into a closed interval.
func parsePorts(s string, seps ...string) (lo, hi uint16, err error) {
	s = strings.TrimSpace(s)
	a, b := s, s
	for _, sep := range seps {
		if x, y, ok := strings.Cut(s, sep); ok {
			a, b = x, y
			break
		}
	}
	l, err := strconv.ParseUint(strings.TrimSpace(a), 10, 16)
	if err != nil {
		return 0, 0, fmt.Errorf("port %q: %w", s, err)
	}
	h, err := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
	if err != nil {
		return 0, 0, fmt.Errorf("port %q: %w", s, err)
	}
	if h < l {
		return 0, 0, fmt.Errorf("port range %q runs backwards", s)
	}
	return uint16(l), uint16(h), nil
}

// isReservedRow reports whether an unnamed row marks its ports Reserved
// ("Reserved", "Reserved - IANA"); "Unassigned", "De-registered" and other
// unnamed rows do not.
func isReservedRow(r *regRow) bool {
	return r.svc.Name == "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.svc.Description)), "reserved")
}
