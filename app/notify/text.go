package notify

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/safetext"
)

// Length bounds, in runes, for text that comes from other programs.
const (
	MaxName  = 40
	MaxPath  = 160
	MaxTitle = 120
	MaxBody  = 400
	// MaxWhy bounds the "Why:" line: room for a reason that names a path
	// ("changed: PATH no longer matches the SHA-256 pinned on DATE"); the
	// body as a whole stays within MaxBody.
	MaxWhy = 240
)

// Truncate cuts s to at most max runes, ending with "…" when it cut.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// Markup escapes text for the body of a freedesktop notification, whose
// servers may interpret a subset of HTML: &, < and > become entities, so a
// process named "<b>x</b>" or "<a href=...>" shows literally.
func Markup(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// OwnerName is how a person is told who owns a listener: the cleaned
// process name, or a phrase when the owner cannot be seen.
func OwnerName(l monitor.Listener) string {
	if name := safetext.Line(l.Name, MaxName); name != "" && !l.OwnerHidden {
		return name
	}
	if l.OwnerHidden {
		return fmt.Sprintf("A process of user %d", l.UID)
	}
	return "An unknown process"
}

// ExposureText says in words who can reach a listener.
func ExposureText(e monitor.Exposure) string {
	if e == monitor.Loopback {
		return "this computer only"
	}
	return "reachable from the network"
}

// Compose writes the notification for an alerting listener, e.g. title
// "python3 is listening on unassigned port 2476/tcp" and a body with its
// exposure and executable path. Title and body are plain text, bounded; the
// Linux notifier escapes the body for markup. key identifies the alert.
func Compose(a policy.Assessment, key string) Message {
	l := a.Listener
	port := fmt.Sprintf("%d/%s", l.Port, l.Proto)
	what := "port"
	switch a.PortInfo.Status {
	case portinfo.Unassigned, portinfo.Reserved, portinfo.StatusDynamic:
		what = string(a.PortInfo.Status) + " port"
	}
	title := fmt.Sprintf("%s is listening on %s %s", OwnerName(l), what, port)

	var body strings.Builder
	fmt.Fprintf(&body, "%s: %s on %s.", upperFirst(ExposureText(l.Exposure)), port, safetext.Line(l.Address, 45))
	switch {
	case l.Exe != "":
		fmt.Fprintf(&body, "\n%s", safetext.Line(l.Exe, MaxPath))
	case l.OwnerHidden:
		body.WriteString("\nOwner hidden: another user's process.")
	}
	if l.PID != 0 && !l.OwnerHidden {
		fmt.Fprintf(&body, " (pid %d)", l.PID)
	}
	if len(a.Verdict.Reasons) > 0 {
		fmt.Fprintf(&body, "\nWhy: %s", safetext.Line(strings.Join(a.Verdict.Reasons, "; "), MaxWhy))
	}
	return Message{
		Key:   key,
		Port:  l.Port,
		Proto: string(l.Proto),
		Title: Truncate(title, MaxTitle),
		Body:  Truncate(body.String(), MaxBody),
	}
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
