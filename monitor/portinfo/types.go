// Package portinfo says what a port is: its range, IANA's assignment for a
// protocol, and community-reported or historically documented unofficial uses.
// The facts come from files embedded by package portlight/data, each with its
// source; nothing is asserted that the data does not say.
package portinfo

// Range is one of the three ranges of RFC 6335.
type Range string

// Port ranges (RFC 6335 section 6).
const (
	WellKnown  Range = "well-known" // 0–1023, "System Ports"
	Registered Range = "registered" // 1024–49151, "User Ports"
	Dynamic    Range = "dynamic"    // 49152–65535, "Dynamic and/or Private Ports"
)

// Status is IANA's position on a port for one protocol.
type Status string

// Statuses.
const (
	// Assigned: a registry row with a service name covers the port.
	Assigned Status = "assigned"
	// Reserved: no named row, but a Reserved row covers the port.
	Reserved Status = "reserved"
	// Unassigned: no named row and no Reserved row.
	Unassigned Status = "unassigned"
	// StatusDynamic: 49152–65535, which the registry does not list.
	StatusDynamic Status = "dynamic"
)

// RangeOf returns the RFC 6335 range of a port.
func RangeOf(port uint16) Range {
	switch {
	case port <= 1023:
		return WellKnown
	case port <= 49151:
		return Registered
	default:
		return Dynamic
	}
}

// Service is one IANA registry row that covers a port for a protocol.
type Service struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Ports is the row's Port Number field, e.g. "4444" or "6665-6669".
	Ports      string `json:"ports"`
	Assignee   string `json:"assignee,omitempty"`
	Contact    string `json:"contact,omitempty"`
	Reference  string `json:"reference,omitempty"`
	Registered string `json:"registered,omitempty"` // YYYY-MM-DD
	Modified   string `json:"modified,omitempty"`   // YYYY-MM-DD
	// Notes is IANA's Assignment Notes field.
	Notes string `json:"notes,omitempty"`
	// UnauthorizedUse is IANA's "Unauthorized Use Reported" field.
	UnauthorizedUse string `json:"unauthorized_use,omitempty"`
}

// Unofficial is one use of a port that IANA does not record, with its source.
type Unofficial struct {
	// Use is the use in the source's words, e.g. "Back Orifice" or
	// "njRAT has used port 1177 for HTTP C2 communications".
	Use string `json:"use"`
	// Source names where the fact comes from, with its date and licence, e.g.
	// "Wikipedia, List of TCP and UDP port numbers (community-reported, as of 2020)".
	Source string `json:"source"`
	// Kind groups uses by source: KindCommunity, KindDevServer or KindAttack.
	Kind string `json:"kind"`
	// URL points at the source, when there is one.
	URL string `json:"url,omitempty"`
	// Refs are the works the source cites for this use, in the order of the
	// [n] markers in Use (ATT&CK entries only).
	Refs []Reference `json:"refs,omitempty"`
}

// The kinds of unofficial use, one per source. These names are part of the
// JSON interface (`unofficial[].kind`).
const (
	// KindCommunity is a use Wikipedia's port list reports (community-reported, as of 2020).
	KindCommunity = "community"
	// KindDevServer is a curated development-server default (Vite, Django, Jupyter, ...).
	KindDevServer = "dev-server"
	// KindAttack is a MITRE ATT&CK entry: a use of the port by malware, tools,
	// intrusion groups or campaigns, historically reported.
	KindAttack = "attack"
)

// Reference is one work cited by a source.
type Reference struct {
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// Info is everything known about one port for one protocol.
type Info struct {
	Port       uint16       `json:"port"`
	Proto      string       `json:"proto"`
	Range      Range        `json:"range"`
	Status     Status       `json:"status"`
	Services   []Service    `json:"services"`
	Unofficial []Unofficial `json:"unofficial"`
	// Unnamed are the registry rows without a service name that cover the
	// port for the protocol: "Reserved", "Unassigned", "De-registered",
	// "any private mail system" and the like, with IANA's notes (e.g. who
	// held a port before it was de-assigned). They never make a port assigned.
	Unnamed []Service `json:"unnamed,omitempty"`
	// RegistryDate is the date of the IANA registry the facts come from.
	RegistryDate string `json:"registry_date"`
}
