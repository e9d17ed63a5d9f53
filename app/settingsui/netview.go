package settingsui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"portlight/monitor/reach"
	"portlight/settings"
)

// The Networks tab: the networks this computer is on, each marked Public,
// Trusted or Not decided, and the switch that takes undecided networks
// as public; the settings' [networks].

// systemNetworks is the default Options.Networks: this machine's networks,
// read again from the kernel and NetworkManager.
func systemNetworks(ctx context.Context) ([]reach.Network, error) {
	w := reach.System()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := w.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("read this computer's networks: %w", err)
	}
	s := w.State()
	if s == nil {
		return nil, errors.New("read this computer's networks: nothing read")
	}
	return s.Networks(), nil
}

// buildNetworks makes the tab; refreshNetworks fills its rows.
func (v *view) buildNetworks() fyne.CanvasObject {
	intro := widget.NewLabel(publicExplained)
	intro.Wrapping = fyne.TextWrapWord
	v.netProblem = widget.NewLabel("")
	v.netProblem.Wrapping = fyne.TextWrapWord
	v.netProblem.Importance = widget.WarningImportance
	v.netRows = container.NewVBox()
	v.unknownPublic = v.check("Treat networks I have not decided on as public",
		func(s *settings.Settings) *bool { return &s.Networks.UnknownIsPublic })
	again := widget.NewButton("Look again", func() {
		v.readNetworks()
		v.refreshNetworks()
	})
	v.readNetworks()
	return container.NewVScroll(container.NewVBox(
		intro,
		widget.NewSeparator(),
		v.netProblem,
		v.netRows,
		container.NewHBox(again),
		widget.NewSeparator(),
		explained(v.unknownPublic, "A network on neither list, or one NetworkManager does not name, then counts as public."),
	))
}

// readNetworks reads the networks this computer is on now.
func (v *view) readNetworks() {
	v.nets, v.netErr = v.opts.Networks(context.Background())
}

// refreshNetworks shows the network rows of v.cur and v.nets. The rows
// are made again only when what they show changed, so a radio button is
// not replaced while its own tap is being handled.
func (v *view) refreshNetworks() {
	v.unknownPublic.SetChecked(v.cur.Networks.UnknownIsPublic)
	if v.netErr != nil {
		v.netProblem.SetText("Cannot tell which networks this computer is on: " + oneLine(v.netErr.Error()))
		v.netProblem.Show()
	} else {
		v.netProblem.Hide()
	}
	rows := networkRows(v.nets, v.cur.Networks)
	if slices.EqualFunc(rows, v.shownNets, func(a, b netRow) bool {
		return a.Name == b.Name && a.Kind == b.Kind && a.Choice == b.Choice && a.Note == b.Note && slices.Equal(a.ids, b.ids)
	}) && v.netRows.Objects != nil {
		return
	}
	v.shownNets = rows
	objs := make([]fyne.CanvasObject, 0, len(rows)+1)
	if len(rows) == 0 && v.netErr == nil {
		objs = append(objs, widget.NewLabel("This computer is on no network right now."))
	}
	for _, r := range rows {
		objs = append(objs, v.networkRow(r))
	}
	v.netRows.Objects = objs
	v.netRows.Refresh()
}

// networkRow lays out one network: its name and kind, the choice, and a
// note.
func (v *view) networkRow(r netRow) fyne.CanvasObject {
	name := widget.NewLabel(r.Name)
	name.TextStyle.Bold = true
	name.Truncation = fyne.TextTruncateEllipsis
	kind := widget.NewLabel(r.Kind)
	kind.Importance = widget.LowImportance
	choice := widget.NewRadioGroup(networkChoices, nil)
	choice.Horizontal, choice.Required = true, true
	choice.SetSelected(r.Choice)
	choice.OnChanged = func(c string) {
		if c == "" || c == r.Choice {
			return
		}
		v.update(func(s *settings.Settings) error { setChoice(&s.Networks, r, c); return nil })
		if choiceOf(r.ids, r.trustIDs, v.cur.Networks) != c {
			choice.SetSelected(r.Choice) // not saved: show what holds
		}
	}
	if !r.Markable {
		choice.Disable()
	}
	box := container.NewVBox(container.NewBorder(nil, nil, nil, kind, name), choice)
	if r.Note != "" {
		note := widget.NewLabel(r.Note)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.LowImportance
		box.Add(note)
	}
	return box
}
