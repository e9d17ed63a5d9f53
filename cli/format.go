package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
)

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
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

// verdictLabel is "ALERT: reasons" or "ok: reasons".
func verdictLabel(v policy.Verdict) string {
	word := "ok"
	if v.Alert {
		word = "ALERT"
	}
	if len(v.Reasons) == 0 {
		return word
	}
	return word + ": " + strings.Join(v.Reasons, "; ")
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
	fmt.Fprintln(tw, "PROTO\tADDRESS\tPORT\tEXPOSURE\tPID\tUSER\tPROCESS\tIANA\tVERDICT")
	for _, a := range as {
		user := safetext.Line(a.User, 24)
		if user == "" {
			user = fmt.Sprint(a.UID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			a.Proto, a.Address, a.Port, a.Exposure, pidLabel(a.PID), user,
			processLabel(a.Listener), a.PortInfo.Status, verdictLabel(a.Verdict))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}
