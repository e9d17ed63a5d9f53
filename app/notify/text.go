package notify

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"portlight/content"
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

// OwnerName names a listener's program for a title: its application or
// file name (policy.ProgramName), never the process name it chose; a phrase
// when it cannot be seen. Bounded to MaxName runes.
func OwnerName(a policy.Assessment) string {
	if a.OwnerHidden {
		return fmt.Sprintf("A hidden program of user %d", a.UID)
	}
	if name := strings.TrimSpace(policy.ProgramName(a)); name != "" {
		return Truncate(name, MaxName)
	}
	return "A program"
}

// ExposureText says in words who can reach a listener, as the verdict's
// reasons do.
func ExposureText(e monitor.Exposure) string {
	if e == monitor.Loopback {
		return "this computer only"
	}
	return "reachable from the network"
}

// Compose writes the notification for an alerting listener: a title led
// by the program's name, e.g. "python3.11 is listening on unassigned port
// 2476/tcp", and a body of two lines that say what the explainer's first
// screen says: why (the verdict's deciding reasons) and who (the program's
// file, package or "not from any package", and what started it), in the
// content package's words. Title and body are plain text, bounded; the
// Linux notifier escapes the body for markup. key identifies the alert.
func Compose(a policy.Assessment, key string) Message {
	l := a.Listener
	port := fmt.Sprintf("%d/%s", l.Port, l.Proto)
	what := "port"
	switch a.PortInfo.Status {
	case portinfo.Unassigned, portinfo.Reserved, portinfo.StatusDynamic:
		what = string(a.PortInfo.Status) + " port"
	}
	title := fmt.Sprintf("%s is listening on %s %s", OwnerName(a), what, port)
	return Message{
		Key:   key,
		Port:  l.Port,
		Proto: string(l.Proto),
		Title: Truncate(title, MaxTitle),
		Body:  Body(a),
	}
}

// Body is a notification's two lines about one listener: "Why: …" with
// the deciding reasons, "Who: …" with who the program is. Bounded to
// MaxBody runes, the why line to MaxWhy.
func Body(a policy.Assessment) string {
	reasons := content.DecidingReasons(a, 0)
	if exp := content.ReachReason(a); !slices.Contains(reasons, exp) {
		reasons = append(reasons, exp)
	}
	why := "Why: " + safetext.Line(strings.Join(reasons, "; "), MaxWhy)
	who := "Who: " + safetext.Line(content.WhoLine(a), 0)
	room := MaxBody - utf8.RuneCountInString(why) - 1
	return why + "\n" + Truncate(who, room)
}
