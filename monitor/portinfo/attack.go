package portinfo

import (
	"fmt"
	"io"
	"strings"
)

// attackType names an ATT&CK object type for people, and gives the folder
// of its page on attack.mitre.org.
func attackType(stixType string) (label, folder string) {
	switch stixType {
	case "intrusion-set":
		return "group", "groups"
	case "campaign":
		return "campaign", "campaigns"
	case "tool":
		return "tool", "software"
	default:
		return "malware", "software"
	}
}

// attackVerb phrases the row's use as history: what was done with the port.
// The data's "use" column is the dataset authors' reading of ATT&CK's
// sentence; the sentence itself follows, verbatim.
func attackVerb(use string, plural bool) string {
	v := attackVerbSingular(use)
	if plural {
		return "have" + strings.TrimPrefix(v, "has")
	}
	return v
}

func attackVerbSingular(use string) string {
	switch use {
	case "scan-target":
		return "has been scanned for by"
	case "firewall-rule":
		return "has been named in firewall changes by"
	case "brute-force", "attack-target":
		return "has been targeted by"
	case "packet-filter":
		return "has been watched by a packet filter of"
	case "forwarding":
		return "has been used in traffic forwarding by"
	default:
		return "has been used by"
	}
}

// parseAttack reads the ATT&CK port table and its citation list. Each row
// becomes "MITRE ATT&CK v18.1: port N has been used by X (malware S0000).
// <ATT&CK's sentence>", with Refs in the order of the sentence's [n]
// markers. Rows are deduplicated on (port, ATT&CK id) at lookup time.
func parseAttack(ports, citations io.Reader) ([]unofficialRow, error) {
	titles := map[string]Reference{}
	if citations != nil {
		cs, err := readCSV(citations, "ATT&CK citations", "source_name", "description", "url")
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			titles[c["source_name"]] = Reference{Title: c["description"], URL: c["url"]}
		}
	}
	recs, err := readCSV(ports, "ATT&CK ports", "port", "protocol", "software_name", "software_attack_id",
		"software_type", "statement", "citations", "citation_urls", "use")
	if err != nil {
		return nil, err
	}
	var out []unofficialRow
	for i, m := range recs {
		lo, hi, err := parsePorts(m["port"], "-")
		if err != nil {
			return nil, fmt.Errorf("ATT&CK row %d: %w", i+2, err)
		}
		label, folder := attackType(m["software_type"])
		id := m["software_attack_id"]
		where := "port " + m["port"]
		if lo != hi {
			where = "ports " + m["port"]
		}
		if p := m["protocol"]; p != "" {
			where += "/" + p
		}
		use := fmt.Sprintf("%s: %s %s %s (%s %s). %s", attackLabel, where, attackVerb(m["use"], lo != hi),
			m["software_name"], label, id, m["statement"])
		if m["software_name"] == id {
			use = fmt.Sprintf("%s: %s %s %s %s. %s", attackLabel, where, attackVerb(m["use"], lo != hi), label, id, m["statement"])
		}
		out = append(out, unofficialRow{
			u: Unofficial{
				Use:    use,
				Source: attackSource,
				Kind:   KindAttack,
				URL:    "https://attack.mitre.org/" + folder + "/" + id + "/",
				Refs:   attackRefs(m["citations"], m["citation_urls"], titles),
			},
			lo:     lo,
			hi:     hi,
			protos: protoCell(m["protocol"]),
			dedupe: "a\x00" + id,
		})
	}
	return out, nil
}

// attackRefs pairs the "; "-separated citation names and URLs of a row,
// using the full reference text from the citation list when known.
func attackRefs(names, urls string, titles map[string]Reference) []Reference {
	if names == "" {
		return nil
	}
	ns := strings.Split(names, "; ")
	us := strings.Split(urls, "; ")
	refs := make([]Reference, 0, len(ns))
	for i, n := range ns {
		ref := Reference{Title: n}
		if t, ok := titles[n]; ok {
			ref = t
		}
		if i < len(us) && us[i] != "" {
			ref.URL = us[i]
		}
		refs = append(refs, ref)
	}
	return refs
}
