package views

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/portinfo"
	"portlight/safetext"
)

// Explainer is the window that explains one port.
type Explainer struct {
	m     *Manager
	w     fyne.Window
	port  uint16
	proto string
	focus int32
	info  portinfo.Info

	// past holds the history's answer, read off Fyne's goroutine when the
	// window opens and again whenever the port's owners change.
	past       []content.PastOwner
	pastErr    error
	pastLoaded bool
	pastKey    string

	heading *widget.Label
	body    *fyne.Container
	status  *widget.Label
	last    string
	expl    content.Explanation
	app     appBefore // "This app before", read from the history
}

func newExplainer(m *Manager, port uint16, proto string, pid int32) *Explainer {
	e := &Explainer{m: m, port: port, proto: proto, focus: pid, info: m.deps.Lookup(port, proto)}
	e.w = m.app.NewWindow(content.WindowTitle(port, proto))
	e.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	e.heading.Wrapping = fyne.TextWrapWord
	e.body = container.NewVBox()
	e.status = widget.NewLabel("")
	e.status.Truncation = fyne.TextTruncateEllipsis

	copyBtn := widget.NewButton("Copy report", e.CopyReport)
	bottom := container.NewBorder(nil, nil, copyBtn, explainEntry(m, e.w), e.status)
	e.w.SetContent(container.NewBorder(e.heading, bottom, nil, nil, container.NewVScroll(e.body)))
	e.w.Resize(fyne.NewSize(780, 680))
	escCloses(e.w)
	e.w.Canvas().AddShortcut(&fyne.ShortcutCopy{}, func(fyne.Shortcut) { e.CopyReport() })
	e.refresh()
	return e
}

// Window returns the explainer's window.
func (e *Explainer) Window() fyne.Window { return e.w }

// Explanation returns the content shown now.
func (e *Explainer) Explanation() content.Explanation { return e.expl }

// input gathers what the explainer shows now.
func (e *Explainer) input() content.Input {
	m := e.m
	in := content.Input{Port: e.port, Proto: e.proto, Info: e.info, Scanned: m.scanned, ScanErr: m.scanErr,
		Now: m.on(e.port, e.proto), FocusPID: e.focus, Checks: m.deps.Checks(e.port, e.proto), At: m.at}
	if in.At.IsZero() {
		in.At = m.deps.Now()
	}
	if m.deps.History != nil {
		in.HasHistory = true
		in.PastPending = !e.pastLoaded
		in.Past, in.PastErr = e.past, e.pastErr
		e.fetchPast(in)
	}
	return in
}

// fetchPast reads the history again when the port's owners changed since the
// last read (the first call always reads). The store is queried on its own
// goroutine: a slow disk must not freeze the window.
func (e *Explainer) fetchPast(in content.Input) {
	key := "scanned"
	if !in.Scanned {
		key = "unscanned"
	}
	for _, o := range content.Owners(in.Now, 0) {
		key += fmt.Sprintf("|%d/%s/%d", o.PID, o.Exe, o.UID)
	}
	if key == e.pastKey {
		return
	}
	e.pastKey = key
	h, port, proto, do := e.m.deps.History, e.port, monitor.Proto(e.proto), e.m.deps.Do
	go func() {
		past, err := h.PastOwners(port, proto)
		do(func() {
			e.past, e.pastErr, e.pastLoaded = past, err, true
			e.refresh()
		})
	}()
}

// refresh rebuilds the body when its text changed since the last time, so a
// scan that changes nothing leaves the widgets (and the scroll) alone.
func (e *Explainer) refresh() {
	in := e.input()
	e.expl = content.Explain(in)
	e.expl.Sections = content.WithSection(e.expl.Sections, content.KeyBefore, e.app.section(e.m, in, e.refresh))
	text := content.Report(e.expl)
	if text == e.last {
		return
	}
	e.last = text
	e.heading.SetText(e.expl.Heading)
	var objs []fyne.CanvasObject
	primary, hasPrimary := content.PrimaryOwner(in)
	for i, s := range e.expl.Sections {
		if i > 0 {
			objs = append(objs, widget.NewSeparator())
		}
		objs = append(objs, sectionTitle(s.Title))
		switch {
		case s.Key == content.KeyWorry:
			objs = append(objs, worryLabel(in))
			continue
		case s.Key == content.KeyDo && hasPrimary:
			objs = append(objs, e.actions(primary, s)...)
			continue
		case s.Key == content.KeyNow && in.Scanned && in.ScanErr == nil && len(in.Now) > 0:
			for _, o := range content.Owners(in.Now, in.FocusPID) {
				// The primary owner's actions are on the first screen.
				objs = append(objs, e.ownerBlock(o, !hasPrimary || !sameOwner(o, primary))...)
			}
			continue
		}
		for _, l := range s.Lines {
			objs = append(objs, wrapped(l))
		}
		for _, c := range s.Commands {
			objs = append(objs, e.commandRow(c))
		}
	}
	e.body.Objects = objs
	e.body.Refresh()
}

// worryLabel is the "Should I worry?" line, coloured by its level: the
// error colour for a high alert, the warning colour for a low one, the
// success colour when there is nothing to worry about.
func worryLabel(in content.Input) *widget.Label {
	level, line := content.WorryLine(in)
	l := widget.NewLabelWithStyle(line, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Wrapping = fyne.TextWrapWord
	l.Importance = levelImportance(level)
	return l
}

// levelImportance maps a worry level to the label importance that colours it.
func levelImportance(l content.Level) widget.Importance {
	switch l {
	case content.LevelHigh:
		return widget.DangerImportance
	case content.LevelLow:
		return widget.WarningImportance
	case content.LevelNone:
		return widget.SuccessImportance
	}
	return widget.MediumImportance
}

// sameOwner reports whether two owners are the same process (or hidden owner).
func sameOwner(a, b content.Owner) bool {
	return a.PID == b.PID && a.OwnerHidden == b.OwnerHidden && a.UID == b.UID && a.StartTime.Equal(b.StartTime)
}

// actions is the "What you can do" section of the first screen: the
// primary owner's buttons, then how to check by hand. A hidden owner gets
// the command that shows it.
func (e *Explainer) actions(o content.Owner, s content.Section) []fyne.CanvasObject {
	if o.OwnerHidden {
		return []fyne.CanvasObject{e.commandRow(content.Command{OS: "Linux", Title: "show which process it is (needs sudo)",
			Command: content.HiddenOwnerCommand(e.port, e.proto)})}
	}
	objs := []fyne.CanvasObject{e.actionRow(o)}
	if n := len(s.Lines); n > 0 {
		objs = append(objs, wrapped(s.Lines[n-1]))
	}
	return objs
}

// ownerBlock shows one listening process, with its actions when withActions.
func (e *Explainer) ownerBlock(o content.Owner, withActions bool) []fyne.CanvasObject {
	var objs []fyne.CanvasObject
	lines := content.OwnerLines(o, e.port, e.proto, e.m.at)
	if o.OwnerHidden {
		// The report's "To see it, run: …" line becomes a command with a
		// copy button here.
		objs = append(objs, wrapped(lines[0]), e.commandRow(content.Command{OS: "Linux", Title: "show which process it is (needs sudo)",
			Command: content.HiddenOwnerCommand(e.port, e.proto)}))
		return objs
	}
	for _, l := range lines {
		objs = append(objs, wrapped(l))
	}
	if !withActions {
		return objs
	}
	return append(objs, e.actionRow(o))
}

// actionRow is an owner's buttons: allow, show its folder, end. "End
// process" names every process it ends when several hold the socket.
func (e *Explainer) actionRow(o content.Owner) fyne.CanvasObject {
	allowAll := widget.NewButton("Allow this app on all ports", func() { e.allow(o, true) })
	allowPort := widget.NewButton("Allow this app on this port", func() { e.allow(o, false) })
	reveal := widget.NewButton("Show its folder", func() { e.reveal(o) })
	end := widget.NewButton(content.EndLabel(o), func() { e.confirmEnd(o) })
	end.Importance = widget.DangerImportance
	if o.Raw.Exe == "" {
		allowAll.Disable()
		allowPort.Disable()
		reveal.Disable()
	}
	if len(content.EndTargets(o)) > 1 {
		// A label that names several processes does not fit beside the others.
		return container.NewVBox(container.NewHBox(allowAll, allowPort, reveal), container.NewHBox(end))
	}
	return container.NewHBox(allowAll, allowPort, reveal, end)
}

// commandRow shows a command with a copy button.
func (e *Explainer) commandRow(c content.Command) fyne.CanvasObject {
	label := widget.NewLabel(c.OS + " — " + c.Title)
	label.Wrapping = fyne.TextWrapWord
	cmd := widget.NewLabelWithStyle(c.Command, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	cmd.Wrapping = fyne.TextWrapBreak
	btn := widget.NewButton("Copy", func() {
		e.m.app.Clipboard().SetContent(c.Command)
		e.say("Copied: " + c.Command)
	})
	return container.NewVBox(label, container.NewBorder(nil, nil, nil, btn, cmd))
}

// CopyReport puts the plain-text report on the clipboard.
func (e *Explainer) CopyReport() {
	e.m.app.Clipboard().SetContent(content.Report(e.expl))
	e.say("Copied the report to the clipboard.")
}

func (e *Explainer) allow(o content.Owner, all bool) {
	var err error
	if all {
		err = e.m.deps.Allower.AllowApp(o.Raw.Exe)
	} else {
		err = e.m.deps.Allower.AllowAppOnPort(o.Raw.Exe, e.port, monitor.Proto(e.proto))
	}
	if err != nil {
		e.showFailure("Cannot allow", err)
		return
	}
	e.say(content.AllowedText(o, e.port, e.proto, all))
}

func (e *Explainer) reveal(o content.Owner) {
	if err := e.m.deps.Reveal(filepath.Dir(o.Raw.Exe)); err != nil {
		e.showError(err)
	}
}

// confirmEnd asks before ending a process, naming it, its pid and program.
func (e *Explainer) confirmEnd(o content.Owner) {
	d := dialog.NewConfirm(content.EndProcessTitle, content.EndProcessQuestionHere(o), func(ok bool) {
		if ok {
			e.end(o)
		}
	}, e.w)
	d.SetConfirmText("End process")
	d.SetDismissText("Cancel")
	d.Show()
}

func (e *Explainer) end(o content.Owner) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, p := range content.EndTargets(o) {
		if err := e.m.deps.Terminate(ctx, p); err != nil {
			e.showError(err)
			return
		}
	}
	e.say(content.EndedText(o))
}

func (e *Explainer) say(s string) { e.status.SetText(s) }

// showError shows err in a dialog, cleaned: the actions' errors may quote a
// path or name another program chose.
func (e *Explainer) showError(err error) {
	dialog.ShowError(errors.New(safetext.Line(err.Error(), content.MaxCmdline)), e.w)
}

// showFailure shows err under what failed ("Cannot allow: …").
func (e *Explainer) showFailure(what string, err error) {
	e.showError(errors.New(what + ": " + err.Error()))
}

func sectionTitle(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// explainEntry is the "Explain port…" field: type a port, press Enter.
func explainEntry(m *Manager, w fyne.Window) fyne.CanvasObject {
	entry := newEscEntry(w)
	entry.SetPlaceHolder("Explain port… (5173, 53/udp)")
	entry.OnSubmitted = func(s string) {
		port, proto, err := content.ParsePortSpec(s)
		if err != nil {
			entry.SetValidationError(err)
			return
		}
		entry.SetText("")
		m.OpenExplainer(port, proto, 0)
	}
	return container.NewGridWrap(fyne.NewSize(260, entry.MinSize().Height), entry)
}
