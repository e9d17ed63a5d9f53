// Package content is the text Portlight shows, as pure functions: window
// titles, the explainer's sections, the plain-text report (which `portlight
// explain` prints too), and the port a person types in. The windows only lay
// this text out, so everything a user reads is table-tested here without a
// display. It is core, not GUI: it imports nothing of Fyne or of app/.
//
// Text that comes from other programs (names, paths, command lines) passes
// through safetext.Line before it reaches any string built here.
package content

import (
	"fmt"
	"strconv"
	"strings"

	"portlight/monitor"
	"portlight/safetext"
)

// Bounds for untrusted text in labels, in runes.
const (
	MaxName    = 80
	MaxPath    = 200
	MaxCmdline = 300
	MaxUse     = 300
)

// WindowTitle is the explainer window's title, e.g. "Port 2476/tcp — Portlight".
func WindowTitle(port uint16, proto string) string {
	return fmt.Sprintf("Port %s — Portlight", PortProto(port, proto))
}

// PortProto formats a port and protocol as "2476/tcp".
func PortProto(port uint16, proto string) string {
	return fmt.Sprintf("%d/%s", port, proto)
}

// ListenersTitle is the listeners window's title.
const ListenersTitle = "Listening ports — Portlight"

// SettingsTitle is the settings window's title.
const SettingsTitle = "Settings — Portlight"

// ParsePortSpec reads a port typed by a person: "5173", "5173/tcp",
// "53/UDP", with spaces allowed around the parts. The protocol defaults to tcp.
func ParsePortSpec(s string) (port uint16, proto string, err error) {
	s = strings.TrimSpace(s)
	num, proto, found := strings.Cut(s, "/")
	num = strings.TrimSpace(num)
	proto = strings.ToLower(strings.TrimSpace(proto))
	if !found {
		proto = "tcp"
	}
	if _, ok := monitor.ParseProto(proto); !ok {
		return 0, "", fmt.Errorf("protocol %q: use tcp, udp or sctp", safetext.Line(proto, 10))
	}
	if num == "" {
		return 0, "", fmt.Errorf("no port number: type e.g. 5173 or 53/udp")
	}
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil {
		return 0, "", fmt.Errorf("%q is not a port number (0–65535)", safetext.Line(num, 10))
	}
	return uint16(n), proto, nil
}
