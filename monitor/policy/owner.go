package policy

import (
	"fmt"
	"strings"
	"time"

	"portlight/monitor"
	"portlight/safetext"
)

// UsualOwners knows which executables usually hold a port: the history's
// per-port record of owners. *history.Store satisfies it; the interface lives
// here, with its consumer, so that the policy neither imports the history nor
// does I/O of its own: the resident (or the CLI) injects the store.
type UsualOwners interface {
	// OwnerChange reports whether l's port is usually held by another
	// executable: usual is that executable, and held its total time on the
	// port. It is false when l's owner is unknown or is itself a usual owner
	// of the port, when the port has no usual owner, and on errors: a
	// missing history must not raise alerts.
	OwnerChange(l monitor.Listener) (usual string, held time.Duration, ok bool)
}

// ownerChange asks p.Owners whether another program usually holds l's port,
// when the trigger is on. The executable is compared without the
// " (deleted)" marker: the usual owner upgraded on disk is still itself.
func (p *Policy) ownerChange(l monitor.Listener) (usual string, ok bool) {
	if !p.Rules.Triggers.OwnerChange || p.Owners == nil || l.OwnerHidden {
		return "", false
	}
	path, _ := ExePath(l)
	if path == "" {
		return "", false
	}
	q := l
	q.Exe = path
	usual, _, ok = p.Owners.OwnerChange(q)
	if !ok || usual == "" {
		return "", false
	}
	if u, _ := strings.CutSuffix(usual, deletedSuffix); u == path {
		return "", false
	}
	return usual, true
}

// maxReasonPath bounds each path a reason names, in runes.
const maxReasonPath = 256

// OwnerChangeReason words an owner change, e.g. "5432/tcp is usually
// /usr/lib/postgresql/15/bin/postgres, now /tmp/x" (the history's
// OwnerChangeReason is this one). Both paths are another program's choice:
// they are cleaned here (safetext) and bounded, so every surface that shows
// the reason — notification, explainer, listeners window, copied report,
// terminal — gets one clean line.
func OwnerChangeReason(l monitor.Listener, usual string) string {
	return fmt.Sprintf("%d/%s is usually %s, now %s", l.Port, l.Proto,
		safetext.Line(usual, maxReasonPath), safetext.Line(l.Exe, maxReasonPath))
}

// allowedDespite explains why an allow-list entry for any port did not
// silence an owner change.
func allowedDespite(e *AllowEntry) string {
	return "allowed: " + safetext.Line(e.Describe(), 2*maxReasonPath) + "; an entry for any port does not cover taking over another program's usual port"
}

// namesPort reports whether an entry lists the listener's port explicitly:
// the user said this program belongs on this port, which an owner change
// does not override.
func namesPort(e *AllowEntry, l monitor.Listener) bool {
	return len(e.Ports) > 0 && e.Covers(l.Port, l.Proto)
}
