package views

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"portlight/app/ui/listing"
	"portlight/content"
)

// Listeners is the window with the table of current listeners.
type Listeners struct {
	m      *Manager
	w      fyne.Window
	model  *listing.Model
	rows   []listing.Row
	table  *escTable
	filter *escEntry
	count  *widget.Label
	home   *homeBar
	// painted is the signature of the rows last painted: a scan that changes
	// nothing repaints nothing (a table refresh costs ~5 % of a core each
	// second under software GL).
	painted string
}

// columnWidths are the table's column widths, in Fyne units.
var columnWidths = [listing.NumColumns]float32{60, 50, 130, 110, 180, 90, 120, 260}

func newListeners(m *Manager) *Listeners {
	l := &Listeners{m: m, model: listing.NewModel()}
	l.w = m.app.NewWindow(content.ListenersTitle)
	l.table = newEscTable(l.w,
		func() (int, int) { return len(l.rows), int(listing.NumColumns) },
		newCell,
		l.updateCell,
	)
	l.table.ShowHeaderRow = true
	l.table.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		return b
	}
	l.table.UpdateHeader = l.updateHeader
	for i, wdt := range columnWidths {
		l.table.SetColumnWidth(i, wdt)
	}
	l.table.OnSelected = func(id widget.TableCellID) {
		l.table.UnselectAll()
		l.OpenRow(id.Row)
	}

	l.filter = newEscEntry(l.w)
	l.filter.SetPlaceHolder("Filter (port, program, user, alert…)")
	l.filter.OnChanged = l.SetFilter
	l.count = widget.NewLabel("")
	var buttons, notice fyne.CanvasObject
	l.home, buttons, notice = newHomeBar(m, l.w)
	top := container.NewBorder(nil, nil, buttons, explainEntry(m, l.w), l.filter)
	l.w.SetContent(container.NewBorder(top, container.NewVBox(notice, l.count), nil, nil, l.table))
	l.w.Resize(fyne.NewSize(1040, 560))
	escCloses(l.w)
	l.apply()
	return l
}

// Window returns the listeners window.
func (l *Listeners) Window() fyne.Window { return l.w }

// Notice returns the home notice shown above the table ("" when none).
func (l *Listeners) Notice() string { return l.home.shown }

// Rows returns the rows shown, in order.
func (l *Listeners) Rows() []listing.Row { return l.rows }

// apply merges the manager's latest scan and repaints.
func (l *Listeners) apply() {
	m := l.m
	if m.scanned && m.scanErr == nil {
		l.model.Update(m.now, m.at)
	} else {
		l.model.Tick(m.deps.Now())
	}
	l.home.update()
	l.show()
}

// show recomputes the visible rows and the status line, and repaints.
func (l *Listeners) show() {
	l.rows = l.model.Rows()
	m := l.m
	var status string
	switch {
	case !m.scanned:
		status = "Looking…"
	case m.scanErr != nil:
		status = "Could not scan: " + m.scanErr.Error()
	default:
		alerts := 0
		for _, r := range l.rows {
			if r.State != listing.Closed && r.A.Verdict.Alert {
				alerts++
			}
		}
		status = fmt.Sprintf("%d listening, %d alerting. Click a row to explain its port; click a header to sort.", len(m.now), alerts)
	}
	if status != l.count.Text {
		l.count.SetText(status)
	}
	sig := signature(l.rows, l.model)
	if sig == l.painted {
		return
	}
	l.painted = sig
	l.table.Refresh()
}

// signature sums up what the table paints: rows, their states and texts, and
// the sort shown in the header.
func signature(rows []listing.Row, m *listing.Model) string {
	var b strings.Builder
	col, desc := m.Sort()
	fmt.Fprintf(&b, "%d %v\n", col, desc)
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %d %s\n", r.Key, r.State, strings.Join(r.Cells[:], "\x00"))
	}
	return b.String()
}

// SortBy sorts by a column (again: reverse).
func (l *Listeners) SortBy(col listing.Column) {
	l.model.SetSort(col)
	l.show()
}

// SetFilter keeps the rows that contain the words of s.
func (l *Listeners) SetFilter(s string) {
	l.model.SetFilter(s)
	l.show()
}

// OpenRow opens the explainer of the row's port.
func (l *Listeners) OpenRow(row int) {
	if row < 0 || row >= len(l.rows) {
		return
	}
	a := l.rows[row].A
	l.m.OpenExplainer(a.Port, string(a.Proto), a.PID)
}

func newCell() fyne.CanvasObject {
	bg := canvas.NewRectangle(color.Transparent)
	label := widget.NewLabel("")
	label.Truncation = fyne.TextTruncateEllipsis
	return container.NewStack(bg, label)
}

// Highlight is the background of a new row.
var Highlight = color.NRGBA{R: 0x2e, G: 0xa0, B: 0x43, A: 0x55}

// CellLook returns how a cell of a row in state s is painted.
func CellLook(s listing.State, alert bool) (bg color.Color, importance widget.Importance) {
	switch s {
	case listing.New:
		bg = Highlight
	default:
		bg = color.Transparent
	}
	switch {
	case s == listing.Closed:
		importance = widget.LowImportance
	case alert:
		importance = widget.DangerImportance
	default:
		importance = widget.MediumImportance
	}
	return bg, importance
}

func (l *Listeners) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	stack := o.(*fyne.Container)
	bg := stack.Objects[0].(*canvas.Rectangle)
	label := stack.Objects[1].(*widget.Label)
	if id.Row < 0 || id.Row >= len(l.rows) || id.Col < 0 || id.Col >= int(listing.NumColumns) {
		label.SetText("")
		return
	}
	r := l.rows[id.Row]
	fill, imp := CellLook(r.State, r.A.Verdict.Alert && id.Col == int(listing.ColVerdict))
	text := r.Cells[id.Col]
	if r.State == listing.Closed && id.Col == int(listing.ColVerdict) {
		text = "closed"
	}
	bg.FillColor = fill
	bg.Refresh()
	label.Importance = imp
	label.TextStyle.Italic = r.State == listing.Closed
	label.SetText(text)
}

func (l *Listeners) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	if id.Col < 0 || id.Col >= int(listing.NumColumns) {
		b.SetText("")
		b.OnTapped = nil
		return
	}
	col := listing.Column(id.Col)
	b.SetText(HeaderText(col, l.model))
	b.OnTapped = func() { l.SortBy(col) }
}

// HeaderText is a column title with an arrow on the sort column.
func HeaderText(col listing.Column, m *listing.Model) string {
	s, desc := m.Sort()
	t := listing.Headers[col]
	if s != col {
		return t
	}
	if desc {
		return t + " ▼"
	}
	return t + " ▲"
}
