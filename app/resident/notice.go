package resident

import (
	"fmt"
	"strings"

	"portlight/app/notify"
	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
)

// maxBodyPorts bounds the ports a multi-port notification lists.
const maxBodyPorts = 4

// noticeMessage writes the notification for one of the noise gate's
// notices: plain, bounded text (the Linux notifier escapes the body for
// markup). key comes back when the user clicks it. Program names come from
// untrusted processes: they are cleaned and bounded before they are put in
// a sentence, so the port always survives. Titles lead with the program's
// name (notify.OwnerName), never the process name it chose.
func noticeMessage(n policy.Notice, key string) notify.Message {
	m := notify.Message{Key: key}
	if len(n.Assessments) > 0 {
		a := n.Assessments[0]
		m.Port, m.Proto = a.Port, string(a.Proto)
	}
	switch {
	case n.Kind == policy.NoticeBaseline:
		m.Title = safetext.Line(n.Title(), notify.MaxTitle)
		m.Body = "What listened when Portlight first started is taken as known; new listeners will be reported. " + hintListening
		return m
	case (n.Kind == policy.NoticeAlert || n.Kind == policy.NoticeChanged) && len(n.Assessments) == 1 && n.Count <= 1:
		c := notify.Compose(n.Assessments[0], key)
		if n.Kind == policy.NoticeChanged {
			a := n.Assessments[0]
			c.Title = notify.Truncate(fmt.Sprintf("%s on %d/%s changed since it was allowed", notify.OwnerName(a), a.Port, a.Proto), notify.MaxTitle)
		}
		return c
	case len(n.Assessments) == 0:
		m.Title = safetext.Line(n.Title(), notify.MaxTitle)
		return m
	}
	a := n.Assessments[0]
	name := notify.OwnerName(a)
	switch n.Kind {
	case policy.NoticeBurst:
		m.Title = fmt.Sprintf("%s is listening on %d more ports", name, n.Count)
	case policy.NoticeChanged:
		m.Title = name + " changed since it was allowed (" + portList(n.Assessments, n.Count) + ")"
	case policy.NoticeSummary:
		m.Title = safetext.Line(n.Title(), notify.MaxTitle)
	default:
		m.Title = fmt.Sprintf("%s is listening on %d new ports", name, n.Count)
	}
	m.Title = notify.Truncate(m.Title, notify.MaxTitle)

	var b strings.Builder
	b.WriteString("Ports: " + portList(n.Assessments, n.Count) + ".")
	if n.Kind != policy.NoticeSummary {
		fmt.Fprintf(&b, "\n%s.", upper(content.WidestReason(n.Assessments)))
		b.WriteString("\nWho: " + safetext.Line(content.WhoLine(a), notify.MaxPath))
	}
	b.WriteString("\n" + hintRecent)
	m.Body = notify.Truncate(b.String(), notify.MaxBody)
	return m
}

// portList is "2476/tcp, 5173/tcp and 3 more".
func portList(as []policy.Assessment, count int) string {
	var ports []string
	seen := map[string]bool{}
	for _, a := range as {
		p := fmt.Sprintf("%d/%s", a.Port, a.Proto)
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

// worstExposure is Network when any listener is reachable from it.
func worstExposure(as []policy.Assessment) monitor.Exposure {
	for _, a := range as {
		if a.Exposure == monitor.Network {
			return monitor.Network
		}
	}
	return monitor.Loopback
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
