package settingsui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"portlight/safetext"
)

// The last change of the allow-list, triggers, ignore switches or snoozes
// made outside Portlight (see settings.Store.OutsideChange), shown above the
// tabs until the user dismisses it.

// buildOutside makes the box; refreshOutside fills it.
func (v *view) buildOutside() fyne.CanvasObject {
	v.outside = widget.NewLabel("")
	v.outside.Wrapping = fyne.TextWrapWord
	v.outside.Importance = widget.WarningImportance
	dismiss := widget.NewButton("Dismiss", func() {
		if err := v.store.DismissOutsideChange(); err != nil {
			v.errorText("Could not dismiss: %v", err)
		}
		v.refreshOutside()
	})
	v.outsideBox = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), dismiss, v.outside)
	return v.outsideBox
}

// refreshOutside shows the store's last outside change, or hides the box.
func (v *view) refreshOutside() {
	c, ok := v.store.OutsideChange()
	if !ok {
		v.outsideBox.Hide()
		return
	}
	lines := make([]string, len(c.Changes))
	for i, l := range c.Changes {
		lines[i] = "• " + safetext.Line(l, 160)
	}
	head := "Changed outside Portlight (noticed " + c.Noticed.Local().Format("2006-01-02 15:04") + "), by hand or by another program:"
	if c.NoRecord {
		head = "Portlight found no record of the settings it last wrote (deleted, or a first run of this version); the settings differ from the defaults:"
	}
	v.outside.SetText(head + "\n" + strings.Join(lines, "\n") + "\nIf it was not you, undo it here.")
	v.outsideBox.Show()
}
