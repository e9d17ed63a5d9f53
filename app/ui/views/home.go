package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"portlight/app/handoff"
	"portlight/content"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
)

// The listeners window is Portlight's home: on a desktop without a tray it
// is the only way in, so it reaches everything the tray menu does (recent
// alerts, pause, history, settings) and says what the resident reports
// (no tray, notifications kept for a missing daemon).

// homeBar is the row of buttons above the listeners table and the notice
// under it.
type homeBar struct {
	m      *Manager
	w      fyne.Window
	notice *widget.Label
	recent *widget.Button
	pause  *widget.Button
	// network says which network this computer is on, and whether it is
	// taken as public.
	network *widget.Label
	status  handoff.Status
	// shown is the text of the notice, for tests.
	shown string
}

// newHomeBar returns the bar, its buttons (beside the filter, so the
// table stays where it was) and its notice (under the table, hidden when
// there is nothing to say).
func newHomeBar(m *Manager, w fyne.Window) (h *homeBar, buttons, notice fyne.CanvasObject) {
	h = &homeBar{m: m, w: w}
	h.notice = widget.NewLabel("")
	h.notice.Wrapping = fyne.TextWrapWord
	h.notice.Hide()
	h.recent = widget.NewButton("Recent alerts", h.showRecent)
	h.pause = widget.NewButton("Pause alerts", h.showPause)
	hist := widget.NewButton("History…", func() { m.OpenHistory(content.HistoryFilter{}) })
	set := widget.NewButton("Settings…", func() { m.OpenSettings() })
	h.network = widget.NewLabel("")
	h.network.Importance = widget.LowImportance
	return h, container.NewHBox(h.recent, h.pause, hist, set, h.network), h.notice
}

// update reads the resident's status and shows it.
func (h *homeBar) update() {
	if h.m.deps.Networks != nil {
		if line := NetworkLine(h.m.deps.Networks()); h.network.Text != line {
			h.network.SetText(line)
		}
	}
	if h.m.deps.Status == nil {
		return
	}
	s, err := h.m.deps.Status()
	if err != nil {
		s = handoff.Status{} // no resident: nothing to report
	}
	h.status = s
	recent := "Recent alerts"
	if s.Unread > 0 {
		recent = fmt.Sprintf("Recent alerts (%d unread)", s.Unread)
	}
	if h.recent.Text != recent {
		h.recent.SetText(recent)
	}
	pause := "Pause alerts"
	if s.Paused != "" {
		pause = s.Paused
	}
	if h.pause.Text != pause {
		h.pause.SetText(pause)
	}
	text := HomeNotice(s)
	if text == h.shown {
		return
	}
	h.shown = text
	h.notice.SetText(text)
	if text == "" {
		h.notice.Hide()
	} else {
		h.notice.Show()
	}
}

// HomeNotice is what the home window says of the resident's state: no
// tray, and notifications kept while no notification daemon runs.
func HomeNotice(s handoff.Status) string {
	var parts []string
	if s.NoTray {
		p := "No tray area on this desktop: this window is Portlight's home; Portlight keeps watching and will notify you."
		if s.TrayFix != "" {
			p += " " + s.TrayFix
		}
		parts = append(parts, p)
	}
	switch {
	case s.Kept == 1:
		parts = append(parts, "1 notification was kept: no notification daemon runs. Its alert is unread in Recent alerts; it is shown when a daemon starts.")
	case s.Kept > 1:
		parts = append(parts, fmt.Sprintf("%d notifications were kept: no notification daemon runs. Their alerts are unread in Recent alerts; they are shown when a daemon starts.", s.Kept))
	}
	return strings.Join(parts, "\n")
}

// NetworkLine names the network this computer reaches the internet
// through right now, and says whether the rules take it as public: "On
// Wi-Fi 'Café' (public)", "On Ethernet 'Home' (trusted)"; "" when no
// network carries the default route. The name is cleaned and bounded
// (reach.Network.ShortLabel).
func NetworkLine(nets []reach.Network, rules policy.NetworkRules) string {
	i := slices.IndexFunc(nets, func(n reach.Network) bool { return n.DefaultRoute })
	if i < 0 {
		return ""
	}
	n := nets[i]
	line := "On " + n.ShortLabel()
	trusted := rules.Trusts(n)
	switch _, marked, public := rules.PublicNetwork(nets[i : i+1]); {
	case public && marked:
		return line + " (public)"
	case public:
		return line + " (counts as public)"
	case trusted:
		return line + " (trusted)"
	}
	return line
}

// showRecent pops up the recent alerts; choosing one opens its explainer.
func (h *homeBar) showRecent() {
	var items []*fyne.MenuItem
	for _, a := range h.status.Recent {
		label := a.Label
		if a.Unread {
			label = "● " + label
		}
		port, proto := a.Port, a.Proto
		items = append(items, fyne.NewMenuItem(label, func() { h.m.OpenExplainer(port, proto, 0) }))
	}
	if len(items) == 0 {
		it := fyne.NewMenuItem("No alerts", nil)
		it.Disabled = true
		items = append(items, it)
	}
	h.popup(h.recent, items)
}

// showPause pops up the pause choices, as the tray's "Pause alerts".
func (h *homeBar) showPause() {
	set := func(p policy.Pause) func() {
		return func() {
			if h.m.deps.SetPause == nil {
				return
			}
			if err := h.m.deps.SetPause(p); err != nil {
				h.notice.SetText("Pause not saved: " + err.Error())
				h.notice.Show()
			}
		}
	}
	var items []*fyne.MenuItem
	if h.status.Paused != "" {
		items = append(items, fyne.NewMenuItem("Resume alerts", set(policy.Pause{})))
	} else {
		until := h.m.deps.Now().Add(time.Hour).Truncate(time.Second)
		items = append(items,
			fyne.NewMenuItem("For 1 hour", set(policy.Pause{Until: until})),
			fyne.NewMenuItem("Until resumed", set(policy.Pause{UntilResumed: true})))
	}
	h.popup(h.pause, items)
}

func (h *homeBar) popup(b *widget.Button, items []*fyne.MenuItem) {
	c := h.w.Canvas()
	pos := h.m.app.Driver().AbsolutePositionForObject(b).Add(fyne.NewPos(0, b.Size().Height))
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, pos)
}
