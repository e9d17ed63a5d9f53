package views

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"portlight/content"
	"portlight/safetext"
)

// NewSettingsUnavailableWindow is the settings window of a process that
// could not open the settings: it says so, and why (err, cleaned: it may
// quote a path).
func NewSettingsUnavailableWindow(a fyne.App, err error) fyne.Window {
	w := a.NewWindow(content.SettingsTitle)
	msg := widget.NewLabel(SettingsUnavailableText(err))
	msg.Wrapping = fyne.TextWrapWord
	closeBtn := widget.NewButton("Close", w.Close)
	w.SetContent(container.NewBorder(nil, container.NewHBox(closeBtn), nil, nil, msg))
	w.Resize(fyne.NewSize(420, 160))
	escCloses(w)
	return w
}

// SettingsUnavailableText is what the settings window says when the
// settings could not be opened.
func SettingsUnavailableText(err error) string {
	if err == nil {
		err = errors.New("no reason given")
	}
	return "Cannot show the settings: " + safetext.Line(err.Error(), content.MaxCmdline) + "."
}

// escCloses makes Esc close the window.
func escCloses(w fyne.Window) {
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			w.Close()
		}
	})
}

// escEntry is an entry that keeps Esc working while it has the focus: Esc
// clears its text, or closes the window when there is none. (A focused
// widget gets the keys, so the canvas's Esc handler would never see them.)
type escEntry struct {
	widget.Entry
	w fyne.Window
}

func newEscEntry(w fyne.Window) *escEntry {
	e := &escEntry{w: w}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey implements fyne.Focusable.
func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name != fyne.KeyEscape {
		e.Entry.TypedKey(k)
		return
	}
	if e.Text != "" {
		e.SetText("")
		return
	}
	e.w.Close()
}
