package settingsui

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
	"portlight/settings"
)

// columnWidths are the allow-list table's column widths.
var columnWidths = []float32{110, 230, 170, 120, 90, 120}

func (v *view) buildAllowList() fyne.CanvasObject {
	v.table = widget.NewTable(
		func() (int, int) { return len(v.cur.Allow), len(columns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		v.updateCell)
	v.table.ShowHeaderRow = true
	v.table.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		return l
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(columns[id.Col])
		}
	}
	for i, w := range columnWidths {
		v.table.SetColumnWidth(i, w)
	}
	v.table.OnSelected = func(id widget.TableCellID) { v.selected = id.Row }
	v.table.OnUnselected = func(widget.TableCellID) { v.selected = -1 }

	buttons := []fyne.CanvasObject{
		widget.NewButton("Add…", func() { v.showEntryForm(nil, policy.AllowEntry{}) }),
	}
	if v.opts.Listeners != nil {
		buttons = append(buttons, widget.NewButton("Add from a listener…", v.showListenerPicker))
	}
	buttons = append(buttons,
		widget.NewButton("Edit…", func() {
			if e, ok := v.selectedEntry(); ok {
				v.showEntryForm(&e, e)
			}
		}),
		widget.NewButton("Remove", v.confirmRemove),
	)
	help := widget.NewLabel("Programs allowed to listen, by executable path. A pin also checks the file's SHA-256, " +
		"so a replaced program alerts as changed. Interpreters need an arguments pattern.")
	help.Wrapping = fyne.TextWrapWord
	return container.NewBorder(help, container.NewHBox(append(buttons, layout.NewSpacer())...), nil, nil, v.table)
}

// updateCell shows one cell of the allow-list table.
func (v *view) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	text := ""
	if id.Row >= 0 && id.Row < len(v.cur.Allow) && id.Col >= 0 && id.Col < len(columns) {
		text = rowCells(v.cur.Allow[id.Row])[id.Col]
	}
	o.(*widget.Label).SetText(text)
}

// selectedEntry returns the selected allow-list entry.
func (v *view) selectedEntry() (policy.AllowEntry, bool) {
	if v.selected < 0 || v.selected >= len(v.cur.Allow) {
		v.errorText("Select an entry in the table first.")
		return policy.AllowEntry{}, false
	}
	return v.cur.Allow[v.selected], true
}

// sameEntry reports whether two entries are the same allow-list entry: the
// store keys entries by path and arguments pattern.
func sameEntry(a, b policy.AllowEntry) bool { return a.SameProgram(b) }

func (v *view) confirmRemove() {
	e, ok := v.selectedEntry()
	if !ok {
		return
	}
	msg := fmt.Sprintf("Remove %s (%s) from the allow-list?\nIt will alert again like any other program.", safetext.Line(e.Path, maxPath), e.Scope())
	dialog.ShowConfirm("Remove from the allow-list", msg, func(yes bool) {
		if yes {
			v.remove(e)
		}
	}, v.w)
}

// remove deletes one entry.
func (v *view) remove(e policy.AllowEntry) {
	v.update(func(s *settings.Settings) error {
		s.Allow = slices.DeleteFunc(s.Allow, func(x policy.AllowEntry) bool { return sameEntry(x, e) })
		return nil
	})
	v.selected = -1
	v.table.UnselectAll()
}

// entryForm is the add/edit form's widgets.
type entryForm struct {
	path, ports, args, note *widget.Entry
	proto                   *widget.Select
	pin                     *widget.Check
	// rawPath and rawArgs are the values the form was filled with, which
	// the fields show cleaned (they may come from another program): a field
	// left as shown saves the raw value, so the entry matches the program.
	rawPath, rawArgs string
	// rawArgv is the entry's exact argument list, kept while the
	// Arguments field still shows it.
	rawArgv []string
}

// fieldValue is what a field filled with raw (shown cleaned) holds: raw
// when the user left it as shown, else what they typed, trimmed.
func fieldValue(e *widget.Entry, raw string) string {
	if raw != "" && e.Text == safetext.Line(raw, 0) {
		return raw
	}
	return strings.TrimSpace(e.Text)
}

// showEntryForm shows the add (old nil) or edit form, filled from fill.
func (v *view) showEntryForm(old *policy.AllowEntry, fill policy.AllowEntry) {
	f := &entryForm{
		path: widget.NewEntry(), ports: widget.NewEntry(), args: widget.NewEntry(), note: widget.NewEntry(),
		proto: widget.NewSelect([]string{protoAny, protoTCP, protoUDP}, nil),
		pin:   widget.NewCheck("Pin to the file's SHA-256", nil),
	}
	f.rawPath, f.rawArgs = fill.Path, fill.Args
	switch {
	case fill.Script != "":
		f.rawArgs = fill.Script
	case fill.Argv != nil:
		f.rawArgs, f.rawArgv = strings.Join(fill.Argv, " "), fill.Argv
	}
	f.path.SetText(safetext.Line(fill.Path, 0))
	f.path.SetPlaceHolder("/usr/bin/program")
	f.ports.SetText(formatPorts(fill.Ports))
	f.ports.SetPlaceHolder("any port, or e.g. 8384, 22000")
	f.ports.Validator = func(s string) error { _, err := parsePorts(s); return err }
	f.proto.SetSelected(protoChoice(fill.Proto))
	f.args.SetText(safetext.Line(f.rawArgs, 0))
	f.args.SetPlaceHolder("the script's absolute path, e.g. /srv/app/server.py  ('*': every script)")
	f.note.SetText(fill.Note)
	f.note.SetPlaceHolder("why it may listen (optional)")
	f.pin.SetChecked(fill.SHA256 != "")
	browse := widget.NewButton("Browse…", func() {
		d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err != nil || r == nil {
				return
			}
			f.path.SetText(r.URI().Path())
			r.Close()
		}, v.w)
		d.Show()
	})
	items := []*widget.FormItem{
		widget.NewFormItem("Program", container.NewBorder(nil, nil, nil, browse, f.path)),
		widget.NewFormItem("Ports", f.ports),
		widget.NewFormItem("Protocol", f.proto),
		widget.NewFormItem("Arguments", f.args),
		widget.NewFormItem("", f.pin),
		widget.NewFormItem("Note", f.note),
	}
	title := "Allow an app"
	if old != nil {
		title = "Edit allowed app"
	}
	d := dialog.NewForm(title, "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		e, err := buildEntry(f, old, v.opts.Now(), settings.ResolveExecutable, policy.SharedHasher.Sum)
		if err != nil {
			showError(err, v.w)
			return
		}
		v.save(old, e)
	}, v.w)
	d.Resize(fyne.NewSize(560, 380))
	d.Show()
}

// save replaces old (nil: none) with e, keeping its place in the list.
func (v *view) save(old *policy.AllowEntry, e policy.AllowEntry) {
	v.update(func(s *settings.Settings) error {
		if old != nil {
			if i := slices.IndexFunc(s.Allow, func(x policy.AllowEntry) bool { return sameEntry(x, *old) }); i >= 0 {
				s.Allow = slices.Delete(s.Allow, i, i+1)
				if j := slices.IndexFunc(s.Allow, func(x policy.AllowEntry) bool { return sameEntry(x, e) }); j >= 0 {
					s.Allow[j] = e
					return nil
				}
				s.Allow = slices.Insert(s.Allow, i, e)
				return nil
			}
		}
		s.AllowEntry(e)
		return nil
	})
}

// buildEntry turns the form into an entry. The path is resolved as the
// monitor reports executables. A pin is computed for a new entry or a new
// path; an existing pin on the same path is kept, never silently moved to
// a file that may have changed since.
func buildEntry(f *entryForm, old *policy.AllowEntry, now time.Time,
	resolve func(string) (string, error), hash func(string) (string, error)) (policy.AllowEntry, error) {
	path, err := resolve(fieldValue(f.path, f.rawPath))
	if err != nil {
		return policy.AllowEntry{}, err
	}
	ports, err := parsePorts(f.ports.Text)
	if err != nil {
		return policy.AllowEntry{}, err
	}
	e := policy.AllowEntry{Path: path, Ports: ports, Proto: protoOf(f.proto.Selected),
		Note: strings.TrimSpace(f.note.Text), Added: now.UTC().Truncate(time.Second)}
	// The Arguments field takes the script: an absolute path is the one
	// script, '*' every script on purpose, anything else a glob over the
	// script's absolute path.
	args := fieldValue(f.args, f.rawArgs)
	switch {
	case args == "*":
	case f.rawArgv != nil && args == strings.Join(f.rawArgv, " "):
		e.Argv = slices.Clone(f.rawArgv)
	case filepath.IsAbs(args) && !strings.ContainsAny(args, "*?"):
		e.Script = filepath.Clean(args)
	default:
		e.Args = args
	}
	if old != nil && !old.Added.IsZero() {
		e.Added = old.Added
	}
	if policy.IsInterpreter(path) && args == "" {
		return policy.AllowEntry{}, errors.New(path + " runs scripts: allowing it alone would allow every script. " +
			"Give the script's absolute path, such as /srv/app/server.py (or * to allow every script on purpose)")
	}
	if f.pin.Checked {
		if old != nil && old.SHA256 != "" && old.Path == path {
			e.SHA256 = old.SHA256
		} else if e.SHA256, err = hash(path); err != nil {
			return policy.AllowEntry{}, err
		}
	}
	return e, e.Validate()
}

// showListenerPicker lets the user pick a current listener to allow.
func (v *view) showListenerPicker() {
	var ls []monitor.Listener
	for _, l := range v.opts.Listeners() {
		if p, _ := policy.ExePath(l); p != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) == 0 {
		dialog.ShowInformation("Add from a listener", "No listener with a visible program right now.", v.w)
		return
	}
	labels := make([]string, len(ls))
	for i, l := range ls {
		labels[i] = listenerLabel(l)
	}
	pick := widget.NewSelect(labels, nil)
	dialog.ShowForm("Add from a listener", "Next", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Listener", pick)}, func(ok bool) {
			i := pick.SelectedIndex()
			if !ok || i < 0 {
				return
			}
			e, err := policy.EntryFor(ls[i], nil, v.opts.Now())
			if err != nil {
				showError(err, v.w)
				return
			}
			v.showEntryForm(nil, e)
		}, v.w)
}

// listenerLabel names a listener in the picker: "2476/tcp  name  (path)".
func listenerLabel(l monitor.Listener) string {
	return fmt.Sprintf("%d/%s  %s  (%s)", l.Port, l.Proto, safetext.Line(l.Name, maxName), safetext.Line(l.Exe, maxPath))
}

// showError shows err in a dialog, cleaned: it may quote a path or name
// another program chose.
func showError(err error, w fyne.Window) {
	dialog.ShowError(errors.New(safetext.Line(err.Error(), maxPath)), w)
}
