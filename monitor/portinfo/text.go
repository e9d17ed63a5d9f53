package portinfo

import (
	"fmt"
	"strconv"
	"strings"
)

// Explanation is plain-language text about one port for one protocol, for
// the explainer window and `portlight explain`.
type Explanation struct {
	// What says what IANA has at the port, with the registry date, and
	// IANA's own unauthorized-use note when there is one.
	What string `json:"what"`
	// Range says what the port's RFC 6335 range means.
	Range string `json:"range"`
	// Why says, in two sentences, why a listener on this port matters.
	Why string `json:"why"`
}

// Explain writes the plain-language explanation of info. It uses only what
// info holds.
func Explain(info Info) Explanation {
	return Explanation{What: WhatText(info), Range: RangeText(info.Range), Why: WhyText(info)}
}

// PortProto formats a port and protocol as "5173/tcp".
func PortProto(port uint16, proto string) string {
	if proto == "" {
		return strconv.Itoa(int(port))
	}
	return strconv.Itoa(int(port)) + "/" + proto
}

// RangeText explains an RFC 6335 range in one sentence.
func RangeText(r Range) string {
	switch r {
	case WellKnown:
		return "Well-known ports (0–1023), IANA's System Ports, are assigned through IETF review to core Internet services; on Linux a program normally needs root or the CAP_NET_BIND_SERVICE capability to listen on one."
	case Registered:
		return "Registered ports (1024–49151), IANA's User Ports, are assigned by IANA to applications on request; any program may listen on one, assigned or not."
	case Dynamic:
		return "Dynamic ports (49152–65535) are never assigned by IANA; they are left for private use and for the short-lived ports systems pick for connections."
	}
	return "Port ranges are defined by RFC 6335: well-known 0–1023, registered 1024–49151, dynamic 49152–65535."
}

// WhatText says what IANA's registry has at the port for the protocol.
func WhatText(info Info) string {
	pp := PortProto(info.Port, info.Proto)
	date := ""
	if info.RegistryDate != "" {
		date = " (registry of " + info.RegistryDate + ")"
	}
	var s string
	switch info.Status {
	case Assigned:
		s = fmt.Sprintf("IANA has assigned %s to %s%s.", pp, serviceList(info.Services), date)
	case Reserved:
		s = fmt.Sprintf("IANA has reserved %s and assigns it to no service%s.", pp, date)
	case StatusDynamic:
		s = fmt.Sprintf("%s is in the dynamic range, which IANA does not assign%s.", pp, date)
	default:
		s = fmt.Sprintf("IANA has assigned nothing to %s%s.", pp, date)
		if d := unnamedNote(info.Unnamed); d != "" {
			s += " Its only entry there reads “" + d + "”."
		}
	}
	if note := unauthorizedNote(info.Services); note != "" {
		s += " IANA notes unauthorized use: “" + note + "”."
	}
	return s
}

// serviceList names up to three services as `name (Description)`, joined
// in English, with a count of the rest.
func serviceList(svcs []Service) string {
	const max = 3
	var names []string
	for i, s := range svcs {
		if i == max {
			names = append(names, fmt.Sprintf("%d more", len(svcs)-max))
			break
		}
		n := s.Name
		if d := firstLine(s.Description); d != "" && !strings.EqualFold(d, s.Name) {
			n += " (" + d + ")"
		}
		names = append(names, n)
	}
	switch len(names) {
	case 0:
		return "a service"
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// unnamedNote returns the description of an unnamed row that says more
// than "Unassigned" (e.g. "any private mail system", "De-registered").
func unnamedNote(rows []Service) string {
	for _, r := range rows {
		d := firstLine(r.Description)
		if d != "" && !strings.HasPrefix(strings.ToLower(d), "unassigned") {
			return d
		}
	}
	return ""
}

// unauthorizedNote returns the first of IANA's unauthorized-use notes.
func unauthorizedNote(svcs []Service) string {
	for _, s := range svcs {
		if s.UnauthorizedUse != "" {
			return s.UnauthorizedUse
		}
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

// WhyText says in two sentences why a listener on the port matters: the
// first from IANA's status, the second from the unofficial uses on record.
func WhyText(info Info) string {
	var first string
	switch info.Status {
	case Assigned:
		first = "A program listening here may be " + info.Services[0].Name + ", but an assignment is not enforced: any program can listen on any free port."
	case StatusDynamic:
		first = "Programs often listen on dynamic ports for a while (a local callback, a peer-to-peer session), so a listener here says little by itself."
	default:
		first = "No registered service is expected here, so a listener is a program's own choice, such as a development server or a tool's default."
	}
	var dev, attack string
	for _, u := range info.Unofficial {
		switch {
		case u.Kind == KindDevServer && dev == "":
			dev, _, _ = strings.Cut(u.Use, ";")
		case u.Kind == KindAttack && attack == "":
			attack = u.Use
		}
	}
	var second string
	switch {
	case attack != "":
		second = "MITRE ATT&CK records this port in past intrusions, which is history, not a verdict: check which program owns the socket."
	case dev != "":
		second = "It is a known development-server default (" + dev + "); if you did not start one, check which program owns the socket."
	default:
		second = "Check which program owns the socket and whether it listens on the network or only on this machine."
	}
	return first + " " + second
}
