package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
)

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if _, err := w.Write(append(escapeBidi(b), '\n')); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// bidiEscaper escapes the characters that reorder text on screen (U+061C,
// U+200E–U+200F, U+202A–U+202E, U+2066–U+2069). encoding/json leaves them
// raw; a process name holding one would reorder a terminal line. Built on
// first use, not at start-up.
var bidiEscaper = sync.OnceValue(func() *strings.Replacer {
	var pairs []string
	for _, r := range []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		pairs = append(pairs, string(r), fmt.Sprintf(`\u%04x`, r))
	}
	return strings.NewReplacer(pairs...)
})

// escapeBidi writes bidi controls in JSON text as \uXXXX escapes, which
// decode to the same strings. Valid because in JSON such characters can only
// stand inside strings.
func escapeBidi(b []byte) []byte {
	if !bytes.ContainsAny(b, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") {
		return b
	}
	return []byte(bidiEscaper().Replace(string(b)))
}

// processLabel is the name shown for a listener's owner in text output.
func processLabel(l monitor.Listener) string {
	switch {
	case l.OwnerHidden:
		return fmt.Sprintf("(hidden, uid %d)", l.UID)
	case l.Name != "":
		return safetext.Line(l.Name, 40)
	case l.PID != 0:
		return fmt.Sprintf("pid %d", l.PID)
	default:
		return "(unknown)"
	}
}

// programLabel names a listener's program in the scan table: its
// application or file name, never the process name it chose.
func programLabel(a policy.Assessment) string {
	switch {
	case a.OwnerHidden:
		return fmt.Sprintf("(hidden, uid %d)", a.UID)
	case a.Published != nil && a.PID == 0:
		// No host program: the engine's NAT rules carry the port.
		return safetext.Line(a.Published.Engine+" "+a.Published.Container, 40) + " (NAT)"
	}
	if n := policy.ProgramName(a); n != "" {
		return safetext.Line(n, 40)
	}
	if a.PID != 0 {
		return fmt.Sprintf("pid %d", a.PID)
	}
	return "(unknown)"
}

// verdictLabel is "ALERT: reasons" or "ok: reasons".
func verdictLabel(v policy.Verdict) string {
	word := "ok"
	if v.Alert {
		word = "ALERT"
	}
	if len(v.Reasons) == 0 {
		return word
	}
	return word + ": " + safetext.Line(strings.Join(v.Reasons, "; "), 240)
}

// pidLabel shows a pid, or "-" when it is not known.
func pidLabel(pid int32) string {
	if pid == 0 {
		return "-"
	}
	return fmt.Sprint(pid)
}

// writeTable writes assessments as an aligned text table.
func writeTable(w io.Writer, as []policy.Assessment) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROTO\tADDRESS\tPORT\tEXPOSURE\tPID\tUSER\tPROGRAM\tORIGIN\tIANA\tVERDICT")
	for _, a := range as {
		user := safetext.Line(a.User, 24)
		if user == "" {
			user = fmt.Sprint(a.UID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			a.Proto, a.Address, a.Port, a.Exposure, pidLabel(a.PID), user,
			programLabel(a), content.OriginColumn(a), a.PortInfo.Status, verdictLabel(a.Verdict))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
