package resident

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"time"

	"portlight/app/notify"
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

// OpenLabel is the label of the action that opens Portlight's window.
const OpenLabel = "Open Portlight"

// Tray hints that end notifications; trayless replaces them when there is
// no tray.
const (
	hintListening = `See "Listening now" in the tray.`
	hintRecent    = `See "Recent alerts" in the tray.`
	hintHeld      = `they are in the tray's "Recent alerts".`
)

// noTrayWords rewrites the tray hints for a desktop without a tray.
var noTrayWords = strings.NewReplacer(
	hintListening, "Open Portlight to see what is listening.",
	hintRecent, "Open Portlight to see its recent alerts.",
	hintHeld, "open Portlight to see them.",
)

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

// trayFix names what gives a desktop a tray, from XDG_CURRENT_DESKTOP
// (a colon-separated list such as "ubuntu:GNOME"); "" when unknown.
func trayFix(desktop string) string {
	for _, d := range strings.Split(strings.ToUpper(desktop), ":") {
		switch strings.TrimSpace(d) {
		case "GNOME", "GNOME-CLASSIC", "GNOME-FLASHBACK":
			return "On GNOME, install the AppIndicator extension (gnome-shell-extension-appindicator) to get Portlight's tray icon."
		case "XFCE":
			return "On Xfce, add the Status Tray plugin to a panel to get Portlight's tray icon."
		case "SWAY", "HYPRLAND", "RIVER":
			return "Add a bar with a tray (waybar's tray module) to get Portlight's tray icon."
		}
	}
	return ""
}

// noTrayMessage is the one notification that says there is no tray.
func noTrayMessage(desktop string) notify.Message {
	body := "Open Portlight for what is listening, the recent alerts, pause, history and settings; starting Portlight again from the application menu opens it too."
	if fix := trayFix(desktop); fix != "" {
		body += "\n" + fix
	}
	return notify.Message{
		Key:       homeKey,
		Title:     "No tray area on this desktop: Portlight keeps watching and will notify you.",
		Body:      notify.Truncate(body, notify.MaxBody),
		OpenLabel: OpenLabel,
	}
}

// trayless words m for a desktop without a tray: the hints that point at
// the tray point at Portlight's window, which its action opens.
func trayless(m notify.Message) notify.Message {
	b := noTrayWords.Replace(m.Body)
	if b != m.Body && !m.CanAllow {
		m.OpenLabel = OpenLabel
	}
	m.Body = b
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
