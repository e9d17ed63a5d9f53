// Package ianaxml turns IANA's Service Name and Transport Protocol Port
// Number Registry, in its native XML form, into flat records: one per
// <record> that has a port number, with person references resolved to names
// and inline markup rendered as plain text. It is used by the generator in
// data/internal/gen and by the test that keeps the generated file current.
package ianaxml

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"portlight/safetext"
)

// hyphenBreak (compiled on first use) matches a letter, a hyphen and a line break with its indent.
var hyphenBreak = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(\pL)-\n[ \t]*`) })

// Record is one registry row that carries a port number or range.
type Record struct {
	Name         string // service name; empty for Reserved/Unassigned rows
	Protocol     string // tcp, udp, sctp, dccp, or empty (applies to every protocol)
	Number       string // "4444" or "6665-6669", as written in the registry
	Description  string
	Assignee     string // names of the <assignee> persons, or Contact when there is no <assignee>
	Contact      string // names of the persons referenced at the top level
	Reference    string // RFCs, drafts, URIs and text references, "; "-separated
	Registered   string // the record's date attribute
	Modified     string // the record's updated attribute
	Notes        string // <note>, plus the text of any footnote the record points to
	Unauthorized string // <unauthorized>: IANA's "Unauthorized Use Reported"
}

// Registry is the parsed registry: its <updated> date and its port records
// in file order.
type Registry struct {
	Updated string
	Records []Record
}

// xref is an <xref> element. Its text is kept for rendering.
type xref struct {
	Type string `xml:"type,attr"`
	Data string `xml:"data,attr"`
	Text string `xml:",chardata"`
}

// mixed is element content with text, <br/> and inline <xref>, kept as a
// token list so that person references can be resolved once <people> has
// been read (it comes last in the file).
type mixed struct {
	parts []part
}

type part struct {
	text string
	ref  *xref // an inline xref; nil for text
	br   bool
}

// UnmarshalXML implements xml.Unmarshaler for mixed content.
func (m *mixed) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("reading <%s>: %w", start.Name.Local, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			m.parts = append(m.parts, part{text: string(t)})
		case xml.StartElement:
			switch t.Name.Local {
			case "br":
				m.parts = append(m.parts, part{br: true})
				if err := d.Skip(); err != nil {
					return fmt.Errorf("reading <br>: %w", err)
				}
			case "xref":
				var x xref
				if err := d.DecodeElement(&x, &t); err != nil {
					return fmt.Errorf("reading inline <xref>: %w", err)
				}
				m.parts = append(m.parts, part{ref: &x})
			default:
				// Unknown inline markup: keep its text.
				var inner struct {
					Text string `xml:",chardata"`
				}
				if err := d.DecodeElement(&inner, &t); err != nil {
					return fmt.Errorf("reading inline <%s>: %w", t.Name.Local, err)
				}
				m.parts = append(m.parts, part{text: inner.Text})
			}
		case xml.EndElement:
			return nil
		}
	}
}

type rawRecord struct {
	Date         string `xml:"date,attr"`
	Updated      string `xml:"updated,attr"`
	Name         string `xml:"name"`
	Protocol     string `xml:"protocol"`
	Number       string `xml:"number"`
	Description  mixed  `xml:"description"`
	Note         mixed  `xml:"note"`
	Unauthorized mixed  `xml:"unauthorized"`
	Assignee     *struct {
		Xrefs []xref `xml:"xref"`
	} `xml:"assignee"`
	Xrefs []xref `xml:"xref"`
}

type person struct {
	ID   string `xml:"id,attr"`
	Name string `xml:"name"`
	Org  string `xml:"org"`
}

// Parse reads the registry XML. Records without a port number (DNS-SD
// service names) are left out: they are not port assignments.
func Parse(r io.Reader) (*Registry, error) {
	d := xml.NewDecoder(r)
	var (
		updated   string
		raws      []rawRecord
		people    = map[string]person{}
		footnotes = map[string]string{}
		depth     int
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse registry XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			// Top-level children of <registry> are at depth 2.
			switch {
			case t.Name.Local == "updated" && depth == 2:
				if err := d.DecodeElement(&updated, &t); err != nil {
					return nil, fmt.Errorf("parse <updated>: %w", err)
				}
				depth--
			case t.Name.Local == "record" && depth == 2:
				var rr rawRecord
				if err := d.DecodeElement(&rr, &t); err != nil {
					return nil, fmt.Errorf("parse <record> %d: %w", len(raws)+1, err)
				}
				depth--
				raws = append(raws, rr)
			case t.Name.Local == "footnote" && depth == 2:
				var m mixed
				if err := m.UnmarshalXML(d, t); err != nil {
					return nil, fmt.Errorf("parse <footnote>: %w", err)
				}
				depth--
				for _, a := range t.Attr {
					if a.Name.Local == "anchor" {
						footnotes[a.Value] = render(m, nil)
					}
				}
			case t.Name.Local == "person":
				var p person
				if err := d.DecodeElement(&p, &t); err != nil {
					return nil, fmt.Errorf("parse <person>: %w", err)
				}
				depth--
				people[p.ID] = p
			}
		case xml.EndElement:
			depth--
		}
	}
	updated = strings.TrimSpace(updated)
	if updated == "" {
		// Missing, or blank: either way the registry says not when it is from.
		return nil, fmt.Errorf("parse registry XML: no <updated> date (the element is missing or blank)")
	}
	reg := &Registry{Updated: safetext.Line(updated, 0)}
	for _, rr := range raws {
		num := strings.TrimSpace(rr.Number)
		if num == "" {
			continue
		}
		reg.Records = append(reg.Records, convert(rr, num, people, footnotes))
	}
	return reg, nil
}

func convert(rr rawRecord, num string, people map[string]person, footnotes map[string]string) Record {
	var contacts, refs, notes []string
	for _, x := range rr.Xrefs {
		switch x.Type {
		case "person":
			contacts = append(contacts, personName(people, x.Data))
		case "note":
			if t, ok := footnotes[x.Data]; ok {
				notes = append(notes, t)
			} else {
				refs = append(refs, "note "+x.Data)
			}
		default:
			if s := renderRef(x, people); s != "" {
				refs = append(refs, s)
			}
		}
	}
	contact := strings.Join(contacts, "; ")
	assignee := contact
	if rr.Assignee != nil {
		var as []string
		for _, x := range rr.Assignee.Xrefs {
			if x.Type == "person" {
				as = append(as, personName(people, x.Data))
			} else if s := renderRef(x, people); s != "" {
				as = append(as, s)
			}
		}
		assignee = strings.Join(as, "; ")
	}
	if n := render(rr.Note, people); n != "" {
		notes = append([]string{n}, notes...)
	}
	// Every field is text from a file anyone could have written (update-
	// registry takes a file or a URL): it is cleaned here, once, so no
	// window, notification or terminal shows an escape sequence, a bidi
	// control or a line separator from it.
	return Record{
		Name:         safetext.Line(strings.TrimSpace(rr.Name), 0),
		Protocol:     safetext.Line(strings.ToLower(strings.TrimSpace(rr.Protocol)), 0),
		Number:       safetext.Line(num, 0),
		Description:  safetext.Lines(render(rr.Description, people), 0),
		Assignee:     safetext.Line(assignee, 0),
		Contact:      safetext.Line(contact, 0),
		Reference:    safetext.Line(strings.Join(refs, "; "), 0),
		Registered:   safetext.Line(strings.TrimSpace(rr.Date), 0),
		Modified:     safetext.Line(strings.TrimSpace(rr.Updated), 0),
		Notes:        safetext.Lines(strings.Join(notes, "\n"), 0),
		Unauthorized: safetext.Lines(render(rr.Unauthorized, people), 0),
	}
}

// personName renders a person reference as "Name (Org)", "Name", "Org", or
// the id when the person has neither. E-mail addresses are left out.
func personName(people map[string]person, id string) string {
	p, ok := people[id]
	name, org := strings.TrimSpace(p.Name), strings.TrimSpace(p.Org)
	switch {
	case !ok || (name == "" && org == ""):
		return strings.TrimLeft(strings.ReplaceAll(id, "_", " "), " ")
	case name != "" && org != "":
		return name + " (" + org + ")"
	case name != "":
		return name
	default:
		return org
	}
}

// renderRef renders a non-person xref the way IANA's own pages do.
func renderRef(x xref, people map[string]person) string {
	text := collapse(x.Text)
	switch x.Type {
	case "rfc":
		if text != "" {
			return text
		}
		return strings.ToUpper(x.Data)
	case "uri":
		if text != "" && text != x.Data {
			return text + " (" + x.Data + ")"
		}
		return x.Data
	case "person":
		return personName(people, x.Data)
	case "text":
		return text
	default: // draft, note, and anything new
		if x.Data != "" {
			return x.Data
		}
		return text
	}
}

// render flattens mixed content: runs of white space (newlines included)
// become one space, <br/> becomes a line break, inline xrefs are rendered
// as references, and at most one blank line is kept.
func render(m mixed, people map[string]person) string {
	var b strings.Builder
	for _, p := range m.parts {
		switch {
		case p.br:
			b.WriteByte('\n')
		case p.ref != nil:
			b.WriteString(renderRef(*p.ref, people))
		default:
			// A word hyphenated at a line end ("explicitly-\nconfigured")
			// stays one word.
			text := hyphenBreak().ReplaceAllString(p.text, "$1-")
			b.WriteString(strings.Map(func(r rune) rune {
				if r == '\n' || r == '\r' || r == '\t' {
					return ' '
				}
				return r
			}, text))
		}
	}
	lines := strings.Split(b.String(), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = collapse(l)
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// collapse trims s and turns each run of white space into one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
