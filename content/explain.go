package content

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"portlight/monitor"
	"portlight/monitor/knownapps"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
)

// Section keys, stable names for the explainer's parts.
const (
	KeyWhat    = "what"
	KeyRange   = "range"
	KeyUses    = "uses"
	KeyNow     = "now"
	KeyBefore  = "before"
	KeyCheck   = "check"
	KeyMatters = "matters"
)

// Section is one titled part of the explainer.
type Section struct {
	Key   string
	Title string
	// Lines are paragraphs, shown one under another.
	Lines []string
	// Commands are shell commands shown with a copy button.
	Commands []Command
}

// Command is a command a person can run to check by hand.
type Command struct {
	OS      string // "Linux", "macOS" or "Windows"
	Title   string // what it shows
	Command string
}

// PastOwner is one program that listened on a port before, as a history
// store reports it. Fields a store does not know stay zero.
type PastOwner struct {
	Process     monitor.Process
	UID         uint32
	OwnerHidden bool
	FirstSeen   time.Time
	LastSeen    time.Time
	// Sessions is how many times it started listening; Held, for how long in all.
	Sessions int
	Held     time.Duration
}

// Input is everything the explainer shows for one port.
type Input struct {
	Port  uint16
	Proto string
	Info  portinfo.Info
	// Scanned is false until the first scan has answered.
	Scanned bool
	ScanErr error
	// Now holds the listeners on this port and protocol, judged.
	Now []policy.Assessment
	// FocusPID, when not 0, is the process the window was opened for.
	FocusPID int32
	// HasHistory is false while no history store exists.
	HasHistory bool
	// PastPending is true while the history is being read.
	PastPending bool
	Past        []PastOwner
	PastErr     error
	// Checks are the commands to check by hand; nil uses DefaultChecks.
	Checks []Command
	// Documented are the knowledge file's documented uses of the port;
	// nil looks them up (knownapps.ForPort), empty shows none.
	Documented []knownapps.Use
	// At is the time the text is written for ("since" durations).
	At time.Time
}

// Explanation is the explainer's content: a title, a one-line heading, and
// its sections in order.
type Explanation struct {
	Title    string
	Heading  string
	Sections []Section
}

// Section returns the section with key k (zero Section if absent).
func (e Explanation) Section(k string) Section {
	for _, s := range e.Sections {
		if s.Key == k {
			return s
		}
	}
	return Section{}
}

// Explain writes the explainer's content for in.
func Explain(in Input) Explanation {
	checks := in.Checks
	if checks == nil {
		checks = DefaultChecks(in.Port, in.Proto)
	}
	documented := in.Documented
	if documented == nil {
		documented = knownapps.ForPort(in.Port, in.Proto)
	}
	uses := UseLines(in.Info.Unofficial)
	if d := DocumentedLines(documented); len(d) > 0 {
		if len(in.Info.Unofficial) == 0 {
			uses = nil
		}
		uses = append(d, uses...)
	}
	return Explanation{
		Title:   WindowTitle(in.Port, in.Proto),
		Heading: Heading(in),
		Sections: append(firstScreen(in),
			Section{Key: KeyWhat, Title: "What this port is", Lines: WhatLines(in.Info)},
			Section{Key: KeyRange, Title: "Its range", Lines: []string{RangeText(in.Port)}},
			Section{Key: KeyUses, Title: "Known unofficial uses", Lines: uses},
			Section{Key: KeyNow, Title: "Listening now", Lines: NowLines(in)},
			Section{Key: KeyBefore, Title: "Listened before", Lines: BeforeLines(in)},
			Section{Key: KeyCheck, Title: "Check by hand", Lines: []string{"Run one of these in a terminal to see for yourself."}, Commands: checks},
			Section{Key: KeyMatters, Title: "Why it matters", Lines: []string{WhyItMatters(in)}},
		),
	}
}

// Summary is the explanation as three paragraphs: the `explanation` object of
// `portlight explain --json`. Each is its section's lines joined by spaces, so
// the JSON says word for word what the window and the text say.
type Summary struct {
	What  string `json:"what"`  // what IANA records for the port
	Range string `json:"range"` // its RFC 6335 range and what that means
	Why   string `json:"why"`   // why a listener here matters, given who listens now
}

// Summary returns e's what, range and why-it-matters sections as a Summary.
func (e Explanation) Summary() Summary {
	join := func(k string) string { return strings.Join(e.Section(k).Lines, " ") }
	return Summary{What: join(KeyWhat), Range: join(KeyRange), Why: join(KeyMatters)}
}

// Heading is the explainer's one-line summary.
func Heading(in Input) string {
	pp := PortProto(in.Port, in.Proto)
	var what string
	switch in.Info.Status {
	case portinfo.Assigned:
		names := ServiceNames(in.Info.Services)
		what = fmt.Sprintf("%s is assigned to %s", pp, names)
	case portinfo.Reserved:
		what = fmt.Sprintf("%s is reserved by IANA, assigned to no service", pp)
	case portinfo.StatusDynamic:
		what = fmt.Sprintf("%s is a dynamic (private) port", pp)
	default:
		what = fmt.Sprintf("%s is unassigned", pp)
	}
	switch {
	case !in.Scanned:
		return what + "."
	case len(in.Now) == 0:
		return what + "; nothing listens on it now."
	default:
		owners := Owners(in.Now, in.FocusPID)
		return what + "; " + OwnerShort(owners[0]) + " listens on it now."
	}
}

// ServiceNames lists the services' names as “a”, “b”.
func ServiceNames(ss []portinfo.Service) string {
	var names []string
	seen := map[string]bool{}
	for _, s := range ss {
		if s.Name == "" || seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		names = append(names, "“"+s.Name+"”")
	}
	if len(names) == 0 {
		return "a service with no name"
	}
	return strings.Join(names, ", ")
}

// registryDate names the registry's date, or says it is unknown.
func registryDate(info portinfo.Info) string {
	if info.RegistryDate == "" {
		return "IANA registry, date unknown"
	}
	return "IANA registry of " + info.RegistryDate
}

// WhatLines says what IANA records for the port.
func WhatLines(info portinfo.Info) []string {
	pp := PortProto(info.Port, info.Proto)
	switch info.Status {
	case portinfo.Assigned:
		lines := []string{fmt.Sprintf("IANA assigns %s to %s (%s).", pp, ServiceNames(info.Services), registryDate(info))}
		var notes []string
		for _, s := range info.Services {
			if s.Description != "" || s.Assignee != "" || s.Registered != "" || s.Reference != "" {
				lines = append(lines, ServiceLine(s))
			}
			// Rows sharing a port often carry the same note: say it once.
			if s.UnauthorizedUse != "" && !slices.Contains(notes, s.UnauthorizedUse) {
				notes = append(notes, s.UnauthorizedUse)
				lines = append(lines, "IANA notes unauthorized use reported: "+s.UnauthorizedUse+".")
			}
		}
		return lines
	case portinfo.Reserved:
		return []string{fmt.Sprintf("IANA marks %s as Reserved: it is assigned to no service (%s).", pp, registryDate(info))}
	case portinfo.StatusDynamic:
		return []string{fmt.Sprintf("IANA assigns nothing in 49152–65535: these ports are left for temporary and private use, so no service owns %s (%s).", pp, registryDate(info))}
	default:
		line := fmt.Sprintf("IANA has assigned nothing to %s (%s). No standard service is expected here.", pp, registryDate(info))
		if d := unnamedNote(info.Unnamed); d != "" {
			line += " Its only entry there reads “" + d + "”."
		}
		return []string{line}
	}
}

// unnamedNote returns the first line of the first unnamed registry row that
// says more than "Unassigned" (e.g. "any private mail system", "De-registered").
func unnamedNote(rows []portinfo.Service) string {
	for _, r := range rows {
		d, _, _ := strings.Cut(r.Description, "\n")
		if d = strings.TrimSpace(d); d != "" && !strings.HasPrefix(strings.ToLower(d), "unassigned") {
			return d
		}
	}
	return ""
}

// ServiceLine describes one IANA row: name, description, ports, who
// registered it and when, and the reference.
func ServiceLine(s portinfo.Service) string {
	var b strings.Builder
	b.WriteString("“" + s.Name + "”")
	if s.Description != "" {
		b.WriteString(": " + s.Description)
	}
	if s.Ports != "" && strings.Contains(s.Ports, "-") {
		b.WriteString(" (ports " + s.Ports + ")")
	}
	var facts []string
	if s.Assignee != "" {
		facts = append(facts, "assignee "+s.Assignee)
	}
	if s.Registered != "" {
		facts = append(facts, "registered "+s.Registered)
	}
	if s.Reference != "" {
		facts = append(facts, "reference "+s.Reference)
	}
	if len(facts) > 0 {
		b.WriteString("; " + strings.Join(facts, ", "))
	}
	b.WriteString(".")
	return b.String()
}

// RangeText says which RFC 6335 range the port is in and what that means.
func RangeText(port uint16) string {
	switch portinfo.RangeOf(port) {
	case portinfo.WellKnown:
		return "0–1023, the system (well-known) ports. IANA assigns these to long-standing services, and on Linux only a privileged program can normally listen on them."
	case portinfo.Registered:
		return "1024–49151, the user (registered) ports. Any program may listen here; IANA records which service asked for each port, but nothing enforces it."
	default:
		return "49152–65535, the dynamic (private) ports. The system hands these out for short-lived outgoing connections, and programs may also pick one to listen on."
	}
}

// citeMarks matches (compiled on first use, not at start-up) the "[1][2]" reference marks of ATT&CK descriptions,
// whose references the window does not list.
var citeMarks = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\[\d+\]`) })

// UseLines lists unofficial uses with their sources: development tools
// first, then community reports, then attack history, whose sources are named
// once after it with a reminder of what such history means.
func UseLines(uses []portinfo.Unofficial) []string {
	var dev, community, attack, other, attackSources []string
	for _, u := range uses {
		use := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(u.Use), "."))
		switch u.Kind {
		case portinfo.KindDevServer:
			dev = append(dev, fmt.Sprintf("Development tool: %s%s.", use, sourceSuffix(u)))
		case portinfo.KindCommunity:
			if strings.Contains(u.Source, "community-reported") {
				community = append(community, fmt.Sprintf("%s — %s.", use, u.Source))
			} else {
				community = append(community, fmt.Sprintf("%s — community-reported, as of 2020%s.", use, sourceSuffix(u)))
			}
		case portinfo.KindAttack:
			use = strings.TrimSpace(citeMarks().ReplaceAllString(use, ""))
			line := "History: " + strings.TrimSuffix(use, ".") + "."
			if u.URL != "" {
				line += " (" + u.URL + ")"
			}
			attack = append(attack, line)
			if u.Source != "" && !slices.Contains(attackSources, u.Source) {
				attackSources = append(attackSources, u.Source)
			}
		default:
			other = append(other, fmt.Sprintf("%s%s.", use, sourceSuffix(u)))
		}
	}
	out := append(append(append(dev, community...), other...), attack...)
	if len(attack) > 0 {
		note := "These are records of what malware or attackers have done; they say nothing about the program on this port now."
		if len(attackSources) > 0 {
			note = "Source of this history: " + strings.Join(attackSources, "; ") + ". " + note
		}
		out = append(out, note)
	}
	if len(out) == 0 {
		return []string{"Portlight's data records no unofficial uses of this port."}
	}
	return out
}

func sourceSuffix(u portinfo.Unofficial) string {
	if u.Source == "" {
		return ""
	}
	return " — source: " + u.Source
}
