package policy

import (
	"fmt"
	"path/filepath"
	"strings"

	"portlight/safetext"
)

// Title is a plain one-line title for the notice, e.g. "python3.12 is
// listening on unassigned port 2476/tcp" or "Spotify is listening on 200
// new ports". It leads with the program's file (or application) name, never
// the process name (see program). Names are escaped and bounded here; bound
// the whole for the display it goes to.
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

// program names the notice's program (see ProgramName), with its process
// name as a fact when that differs from its file's name: 'x (named
// "sshd")'. A program whose file is unknown is "A program", never its
// process name alone, which any program can choose.
func (n Notice) program() string {
	if len(n.Assessments) > 0 {
		a := n.Assessments[0]
		name := ProgramName(a)
		switch {
		case name == "" && a.OwnerHidden:
			return fmt.Sprintf("A hidden program of user %d", a.UID)
		case name == "":
			name = "A program"
		}
		exe, _ := ExePath(a.Listener)
		c := safetext.Line(a.Name, 32)
		if c != "" && !a.OwnerHidden && (exe == "" || !sameName(c, safetext.Line(filepath.Base(exe), 64))) {
			name += fmt.Sprintf(" (named %q)", c)
		}
		return name
	}
	if n.Identity != "" && !strings.HasPrefix(n.Identity, "uid ") {
		return safetext.Line(filepath.Base(n.Identity), 64)
	}
	return "A program"
}

// ProgramName names an assessment's program for people: the application
// name of its desktop entry when known, else its executable's file name;
// "" when neither is known. Never the process name, which the program
// chose itself. Escaped and bounded.
func ProgramName(a Assessment) string {
	if a.Origin.AppName != "" {
		return safetext.Line(a.Origin.AppName, 64)
	}
	if p, _ := ExePath(a.Listener); p != "" {
		return safetext.Line(filepath.Base(p), 64)
	}
	return ""
}

// plural is "1 port" or "3 ports".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
