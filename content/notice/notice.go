// Package notice words Portlight's notifications: the title and body of
// each notice the noise gate (policy.Gate) raises, of the notices about
// Portlight itself (alerts held back, no tray), and the labels of their
// actions. The desktop notifier, the tray and the resident take these
// words from here, so one fact has one wording. It is core: it imports
// nothing of Fyne, beeep or app/.
//
// Names come from untrusted processes: they pass through safetext before
// they are put in a sentence, and are bounded so that the port always
// survives. Title and body are plain text; the Linux notifier escapes the
// body for the notification server's markup.
package notice

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"portlight/content"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
	"portlight/monitor/reach"
	"portlight/safetext"
)

// Length bounds, in runes, for the words of a notification.
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

// maxBodyPorts bounds the ports a multi-port notification lists.
const maxBodyPorts = 4

// Labels of a notification's actions.
const (
	// InvestigateLabel opens the explainer of the alert's listener.
	InvestigateLabel = "Investigate"
	// AllowLabel opens the explainer, where the user confirms allowing the
	// program; the ellipsis says a step follows. A notification never
	// writes the allow-list: its signals are broadcasts another program on
	// the bus could imitate.
	AllowLabel = "Allow app…"
	// OpenLabel opens Portlight's window.
	OpenLabel = "Open Portlight"
)

// Text is what a notification says: plain, bounded text.
type Text struct {
	Title string
	Body  string
}

// Of words one of the noise gate's notices. Titles lead with the program's
// name (see OwnerName), never the process name it chose.
func Of(n policy.Notice) Text {
	switch {
	case n.Kind == policy.NoticeBaseline:
		return Text{
			Title: safetext.Truncate(baselineTitle(n), MaxTitle),
			Body:  "What listened when Portlight first started is taken as known; new listeners will be reported. " + hintListening,
		}
	case len(n.Assessments) == 0:
		return Text{Title: safetext.Truncate(bareTitle(n), MaxTitle)}
	case n.Kind == policy.NoticeAlert && n.Count <= 1:
		return Alert(n.Assessments[0])
	case n.Kind == policy.NoticeChanged && n.Count <= 1:
		a := n.Assessments[0]
		return Text{
			Title: safetext.Truncate(fmt.Sprintf("%s on %s changed since it was allowed", OwnerName(a), port(a)), MaxTitle),
			Body:  alertBody(a),
		}
	}
	a := n.Assessments[0]
	name := OwnerName(a)
	var title string
	switch n.Kind {
	case policy.NoticeBurst:
		title = fmt.Sprintf("%s is listening on %d more ports", name, n.Count)
	case policy.NoticeChanged:
		title = name + " changed since it was allowed (" + portList(n.Assessments, n.Count) + ")"
	case policy.NoticeSummary:
		title = summaryTitle(n)
	default:
		title = fmt.Sprintf("%s is listening on %d new ports", name, n.Count)
	}
	var b strings.Builder
	b.WriteString("Ports: " + portList(n.Assessments, n.Count) + ".")
	if n.Kind != policy.NoticeSummary {
		fmt.Fprintf(&b, "\n%s.", upperFirst(content.WidestReason(n.Assessments)))
		b.WriteString("\nWho: " + safetext.Line(content.WhoLine(a), MaxPath))
	}
	b.WriteString("\n" + hintRecent)
	return Text{Title: safetext.Truncate(title, MaxTitle), Body: safetext.Truncate(b.String(), MaxBody)}
}

// Alert words the notification of one alerting listener: a title led by
// the program's name, e.g. "python3.11 is listening on unassigned port
// 2476/tcp", and a body of two lines that say what the explainer's first
// screen says: why (the verdict's deciding reasons) and who (the program's
// file, package or "not from any package", and what started it), in the
// content package's words.
func Alert(a policy.Assessment) Text {
	what := "port"
	switch a.PortInfo.Status {
	case portinfo.Unassigned, portinfo.Reserved, portinfo.StatusDynamic:
		what = string(a.PortInfo.Status) + " port"
	}
	title := fmt.Sprintf("%s is listening on %s %s", OwnerName(a), what, port(a))
	return Text{Title: safetext.Truncate(title, MaxTitle), Body: alertBody(a)}
}

// alertBody is a notification's two lines about one listener: "Why: …"
// with the deciding reasons, "Who: …" with who the program is. Bounded to
// MaxBody runes, the why line to MaxWhy.
func alertBody(a policy.Assessment) string {
	reasons := content.DecidingReasons(a, 0)
	if exp := content.ReachReason(a); !slices.Contains(reasons, exp) {
		reasons = append(reasons, exp)
	}
	why := "Why: " + safetext.Line(strings.Join(reasons, "; "), MaxWhy)
	who := "Who: " + safetext.Line(content.WhoLine(a), 0)
	room := MaxBody - utf8.RuneCountInString(why) - 1
	return why + "\n" + safetext.Truncate(who, room)
}

// OwnerName names a listener's program for a title: its application or
// file name (policy.ProgramName), never the process name it chose; a phrase
// when it cannot be seen. Bounded to MaxName runes.
func OwnerName(a policy.Assessment) string {
	if name := strings.TrimSpace(policy.ProgramName(a)); name != "" && !a.OwnerHidden {
		return safetext.Truncate(name, MaxName)
	}
	// A stand-in phrase, worded as everywhere else, starting the title. A
	// hidden forwarder of a published port is named by its container,
	// which may be longer than MaxName.
	return safetext.Truncate(capitalise(content.ProgramName(a)), MaxName)
}

// capitalise upper-cases the first letter of s, which starts a title.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// baselineTitle is "Portlight recorded 41 listening ports of 8 programs as
// the baseline; 40 would alert".
func baselineTitle(n policy.Notice) string {
	s := fmt.Sprintf("Portlight recorded %s of %s as the baseline", plural(n.Count, "listening port"), plural(n.Programs, "program"))
	if n.Alerting > 0 {
		s += fmt.Sprintf("; %d would alert", n.Alerting)
	}
	return s
}

// summaryTitle is "8 more alerting ports from 8 programs".
func summaryTitle(n policy.Notice) string {
	return fmt.Sprintf("%s from %s", plural(n.Count, "more alerting port"), plural(n.Programs, "program"))
}

// bareTitle titles a notice that carries no assessment: its program is
// named by the file of its identity, if any.
func bareTitle(n policy.Notice) string {
	name := "An unknown program"
	if n.Identity != "" && !strings.HasPrefix(n.Identity, "uid ") {
		name = safetext.Line(filepath.Base(n.Identity), MaxName)
	}
	switch n.Kind {
	case policy.NoticeSummary:
		return summaryTitle(n)
	case policy.NoticeChanged:
		return fmt.Sprintf("%s changed since it was allowed (%s)", name, plural(n.Count, "port"))
	case policy.NoticeBurst:
		return fmt.Sprintf("%s is listening on %d more ports", name, n.Count)
	}
	return fmt.Sprintf("%s is listening on %s", name, plural(n.Count, "new port"))
}

// port is "2476/tcp".
func port(a policy.Assessment) string { return content.PortProto(a.Port, string(a.Proto)) }

// portList is "2476/tcp, 5173/tcp and 3 more".
func portList(as []policy.Assessment, count int) string {
	var ports []string
	seen := map[string]bool{}
	for _, a := range as {
		p := port(a)
		if !seen[p] && len(ports) < maxBodyPorts {
			ports = append(ports, p)
		}
		seen[p] = true
	}
	s := strings.Join(ports, ", ")
	if more := max(count, len(seen)) - len(ports); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// Reachable reports whether any of a notice's listeners is reachable from
// beyond this computer and its guests (a VPN, a local network, everywhere),
// or the notice is of high severity: such notices have a notification
// budget of their own.
func Reachable(n policy.Notice) bool {
	if n.Severity == policy.SeverityHigh {
		return true
	}
	for _, a := range n.Assessments {
		if content.ReachOf(a).Level.Rank() >= reach.VPN.Rank() {
			return true
		}
	}
	return false
}

// plural is "1 port" or "3 ports".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
