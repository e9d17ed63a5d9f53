package resident

import (
	"bytes"
	"io"
	"log/slog"
	"time"

	"portlight/app/notify"
	"portlight/content/notice"
)

// A desktop may run a notification daemon but no tray host (vanilla GNOME,
// many tiling window managers): nothing registers Portlight's tray item.
// The resident then says so once, in a notification whose action opens
// Portlight's window, words no notification as if a tray existed, and the
// window becomes Portlight's home.

// hostGrace is how long the tray host may be missing before Portlight
// tells the person: a panel that starts with the session, or restarts,
// owns the watcher's name within it.
const hostGrace = 3 * time.Second

// homeKey is the key of the "no tray" notification: a click on it opens
// Portlight's home window.
const homeKey = "portlight:home"

// hostWatch follows whether a tray host exists. Only the loop touches it.
type hostWatch struct {
	known   bool      // a first answer came
	present bool      // the watcher's name has an owner
	since   time.Time // when it went missing
	told    bool      // the "no tray" notification was sent this run
}

// observe records whether the host is present at now. It reports whether
// that changed anything.
func (h *hostWatch) observe(present bool, now time.Time) bool {
	if h.known && h.present == present {
		return false
	}
	if !present {
		h.since = now
	}
	h.known, h.present = true, present
	return true
}

// absent reports whether the desktop is known to have no tray host now.
func (h *hostWatch) absent() bool { return h.known && !h.present }

// tell reports whether the "no tray" notification is due at now: the host
// has been missing for hostGrace and the person was not told yet this run.
// It is said once: a panel that comes and goes does not repeat it.
func (h *hostWatch) tell(now time.Time) bool {
	if !h.absent() || h.told || now.Sub(h.since) < hostGrace {
		return false
	}
	h.told = true
	return true
}

// noTrayMessage is the one notification that says there is no tray.
func noTrayMessage(desktop string) notify.Message {
	x := notice.NoTray(desktop)
	return notify.Message{Key: homeKey, Title: x.Title, Body: x.Body, OpenLabel: notice.OpenLabel}
}

// trayless words m for a desktop without a tray: the hints that point at
// the tray point at Portlight's window, which its action opens.
func trayless(m notify.Message) notify.Message {
	var hinted bool
	m.Body, hinted = notice.Trayless(m.Body)
	if hinted && !m.CanAllow {
		m.OpenLabel = notice.OpenLabel
	}
	return m
}

// systrayLog filters the standard logger's output, which fyne.io/systray
// writes its errors to. Its registration failures are expected without a
// tray host, which the resident reports itself: they go to the debug log.
// Every other line goes to out unchanged (slog's default handler writes
// through the standard logger too, so this must never log through slog's
// default).
type systrayLog struct {
	out io.Writer
	log *slog.Logger // a logger that does not write to the standard logger, or nil
}

func (s systrayLog) Write(p []byte) (int, error) {
	if i := bytes.Index(p, []byte("systray error: failed to register")); i >= 0 {
		if s.log != nil {
			s.log.Debug("tray registration failed", "err", string(bytes.TrimSpace(p[i+len("systray error: "):])))
		}
		return len(p), nil
	}
	return s.out.Write(p)
}
