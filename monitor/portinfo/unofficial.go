package portinfo

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Source labels.
const (
	wikipediaSource = "Wikipedia, List of TCP and UDP port numbers, rev. 952066257 (community-reported, as of 2020; CC BY-SA 3.0)"
	wikipediaURL    = "https://en.wikipedia.org/w/index.php?title=List_of_TCP_and_UDP_port_numbers&oldid=952066257"
	attackLabel     = "MITRE ATT&CK v18.1"
	attackSource    = "MITRE ATT&CK® v18.1 (2025-11-13), reported use; © 2025 The MITRE Corporation, reproduced with permission"
)

// protoSet says which protocols an unofficial entry applies to.
type protoSet uint8

const (
	pTCP protoSet = 1 << iota
	pUDP
	pSCTP
	pDCCP
	pAny // the source names no protocol: applies to every protocol
)

// protoBit returns the bit of a normalized protocol name, 0 for others.
func protoBit(proto string) protoSet {
	switch proto {
	case "tcp":
		return pTCP
	case "udp":
		return pUDP
	case "sctp":
		return pSCTP
	case "dccp":
		return pDCCP
	}
	return 0
}

func (s protoSet) has(proto string) bool {
	return s&pAny != 0 || s&protoBit(proto) != 0
}

// unofficialRow is one unofficial use with its interval and protocols.
type unofficialRow struct {
	u      Unofficial
	lo, hi uint16
	protos protoSet
	dedupe string // entries with the same non-empty key are shown once per lookup
}

// readCSV reads a CSV with a header row and returns rows as maps by column
// name, after checking the named columns exist.
func readCSV(r io.Reader, what string, need ...string) ([]map[string]string, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s header: %w", what, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return nil, fmt.Errorf("%s: no column %q", what, n)
		}
	}
	var out []map[string]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		m := make(map[string]string, len(col))
		for name, i := range col {
			m[name] = strings.TrimSpace(rec[i])
		}
		out = append(out, m)
	}
}

// parseWikipedia reads the Wikipedia table rows. Only rows Wikipedia marked
// Unofficial (or left unmarked, as in its dynamic-range table) are kept:
// its "Official" rows restate IANA's 2020 registry, which the 2026
// registry embedded here supersedes. A protocol cell of "No" excludes that
// protocol; an empty cell excludes it unless every cell is empty (the row
// did not say), and any other word ("Yes", "?", "Assigned", ...) includes it.
func parseWikipedia(r io.Reader) ([]unofficialRow, error) {
	recs, err := readCSV(r, "Wikipedia table", "port", "tcp", "udp", "sctp", "dccp", "iana_status", "description")
	if err != nil {
		return nil, err
	}
	var out []unofficialRow
	for i, m := range recs {
		status := strings.ToLower(m["iana_status"])
		if strings.HasPrefix(status, "official") || m["description"] == "" {
			continue
		}
		lo, hi, err := parsePorts(m["port"], "–", "-")
		if err != nil {
			return nil, fmt.Errorf("wikipedia table row %d: %w", i+2, err)
		}
		protos := wikipediaProtos(m)
		if protos == 0 {
			continue // "No" for every protocol: a use of nothing
		}
		use := m["description"]
		if lo != hi {
			use += " (ports " + m["port"] + ")"
		}
		out = append(out, unofficialRow{
			u:      Unofficial{Use: use, Source: wikipediaSource, Kind: KindCommunity, URL: wikipediaURL},
			lo:     lo,
			hi:     hi,
			protos: protos,
			dedupe: "w\x00" + use,
		})
	}
	return out, nil
}

// wikipediaProtos reads the tcp/udp/sctp/dccp cells of a Wikipedia row.
func wikipediaProtos(m map[string]string) protoSet {
	cells := []struct {
		name string
		bit  protoSet
	}{{"tcp", pTCP}, {"udp", pUDP}, {"sctp", pSCTP}, {"dccp", pDCCP}}
	var s protoSet
	empty := true
	for _, c := range cells {
		v := m[c.name]
		if v != "" {
			empty = false
		}
		if v == "" || strings.EqualFold(v, "no") {
			continue
		}
		s |= c.bit
		// "Yes, and SCTP" in the TCP column.
		if strings.Contains(strings.ToUpper(v), "SCTP") {
			s |= pSCTP
		}
		if strings.Contains(strings.ToUpper(v), "DCCP") {
			s |= pDCCP
		}
	}
	if empty {
		return pAny
	}
	return s
}

// parseDevServers reads the curated list of development-server defaults.
func parseDevServers(r io.Reader) ([]unofficialRow, error) {
	recs, err := readCSV(r, "dev-server list", "port", "protocol", "software", "use", "default_since", "source_url", "source_note", "notes")
	if err != nil {
		return nil, err
	}
	var out []unofficialRow
	for i, m := range recs {
		lo, hi, err := parsePorts(m["port"], "-")
		if err != nil {
			return nil, fmt.Errorf("dev-server row %d: %w", i+2, err)
		}
		use := m["software"] + ": " + m["use"]
		if s := m["default_since"]; s != "" && s != "not checked" {
			use += "; since " + s
		}
		if n := m["notes"]; n != "" {
			use += ". " + upperFirst(n)
		}
		src := "Curated dev-server defaults, checked 2026-11-25"
		if n := m["source_note"]; n != "" {
			src += ": " + n
		}
		out = append(out, unofficialRow{
			u:      Unofficial{Use: use, Source: src, Kind: KindDevServer, URL: m["source_url"]},
			lo:     lo,
			hi:     hi,
			protos: protoCell(m["protocol"]),
		})
	}
	return out, nil
}

// protoCell turns a "tcp"/"udp"/"" column into a protoSet.
func protoCell(v string) protoSet {
	if b := protoBit(strings.ToLower(v)); b != 0 {
		return b
	}
	return pAny
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
