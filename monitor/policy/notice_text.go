package policy

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Title is a plain one-line title for the notice, e.g. "python3 is listening
// on unassigned port 2476/tcp" or "python3 is listening on 200 new ports".
// Program names come from untrusted programs: escape and bound the result
// for the display it goes to.
func (n Notice) Title() string {
	name := n.program()
	switch n.Kind {
	case NoticeBaseline:
		s := fmt.Sprintf("Portlight recorded %s of %s as the baseline", plural(n.Count, "listening port"), plural(n.Programs, "program"))
		if n.Alerting > 0 {
			s += fmt.Sprintf("; %d would alert", n.Alerting)
		}
		return s
	case NoticeSummary:
		return fmt.Sprintf("%s from %s", plural(n.Count, "more alerting port"), plural(n.Programs, "program"))
	case NoticeChanged:
		if n.Count <= 1 && len(n.Assessments) > 0 {
			a := n.Assessments[0]
			return fmt.Sprintf("%s on %d/%s changed since it was allowed", name, a.Port, a.Proto)
		}
		return fmt.Sprintf("%s changed since it was allowed (%s)", name, plural(n.Count, "port"))
	case NoticeBurst:
		return fmt.Sprintf("%s is listening on %d more ports", name, n.Count)
	}
	if n.Count == 1 && len(n.Assessments) > 0 {
		a := n.Assessments[0]
		return fmt.Sprintf("%s is listening on %s %d/%s", name, statusReason(a.PortInfo), a.Port, a.Proto)
	}
	return fmt.Sprintf("%s is listening on %d new ports", name, n.Count)
}

// program names the notice's program: the executable's file name, or the
// process name when the path is unknown.
func (n Notice) program() string {
	if len(n.Assessments) > 0 {
		a := n.Assessments[0]
		if p, _ := ExePath(a.Listener); p != "" {
			return filepath.Base(p)
		}
		if a.Name != "" {
			return a.Name
		}
	}
	if n.Identity != "" && !strings.HasPrefix(n.Identity, "uid ") {
		return filepath.Base(n.Identity)
	}
	return "A program"
}

// plural is "1 port" or "3 ports".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
