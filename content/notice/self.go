package notice

import (
	"fmt"
	"strings"

	"portlight/safetext"
)

// Tray hints that end notifications; Trayless replaces them when the
// desktop has no tray.
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

// Trayless words a notification's body for a desktop without a tray: the
// hints that point at the tray point at Portlight's window instead. hinted
// reports whether the body had such a hint (the notification's action
// should then open the window: OpenLabel).
func Trayless(body string) (out string, hinted bool) {
	out = noTrayWords.Replace(body)
	return out, out != body
}

// Held is the one notification that sums up the alerts the flood limiter
// held back.
func Held(count int) Text {
	return Text{
		Title: fmt.Sprintf("%d more alerts", count),
		Body:  "Portlight held these notifications back; " + hintHeld,
	}
}

// NoTray is the one notification that says the desktop has no tray area,
// with what gives it one when XDG_CURRENT_DESKTOP (desktop) says.
func NoTray(desktop string) Text {
	body := "Open Portlight for what is listening, the recent alerts, pause, history and settings; starting Portlight again from the application menu opens it too."
	if fix := TrayFix(desktop); fix != "" {
		body += "\n" + fix
	}
	return Text{
		Title: "No tray area on this desktop: Portlight keeps watching and will notify you.",
		Body:  safetext.Truncate(body, MaxBody),
	}
}

// TrayFix names what gives a desktop a tray, from XDG_CURRENT_DESKTOP
// (a colon-separated list such as "ubuntu:GNOME"); "" when unknown.
func TrayFix(desktop string) string {
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
