package views

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"portlight/app/handoff"
	"portlight/content"
	"portlight/history"
	"portlight/monitor"
	"portlight/safetext"
)

// HistoryQuery reads stored events; *history.Store satisfies it. While no
// store exists, Deps.Events is nil and the history window says so.
type HistoryQuery interface {
	Events(ctx context.Context, q history.Query) ([]history.Line, error)
}

// Bounds of the history window's queries.
const (
	// HistoryLimit is the most events the table shows.
	HistoryLimit = 500
	// historyScan is how many of the latest events a partial program name
	// is matched among (the store looks up only full paths).
	historyScan = 5000
	// historyTimeout bounds one query.
	historyTimeout = 10 * time.Second
)

// historyWidths are the table's column widths, in Fyne units.
var historyWidths = [content.NumHistoryColumns]float32{150, 125, 85, 115, 65, 85, 250, 320}

// HistoryWindow is the window that searches the history by port, program
// and time. Its queries run on a goroutine of its own, every
// Deps.HistoryInterval and at once when the search changes; a result is
// shown only if the search has not changed since it was asked.
type HistoryWindow struct {
	m      *Manager
	w      fyne.Window
	port   *escEntry
	app    *escEntry
	since  *widget.SelectEntry
	table  *escTable
	status *widget.Label
	empty  *widget.Label

	// Touched only on Fyne's goroutine.
	rows    []content.HistoryRow
	painted string
	closed  bool
	// problem says why the search row cannot be read; while it is set the
	// table keeps refreshing the last valid search but the line under it
	// keeps saying what is wrong with the input.
	problem string
	// answered is the gen of the last answer shown, answers how many
	// answers were shown: what tests wait on instead of sleeping.
	answered, answers int

	mu     sync.Mutex
	filter content.HistoryFilter // the search asked for, valid
	gen    int                   // bumped by every change of filter
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

func newHistoryWindow(m *Manager, f content.HistoryFilter) *HistoryWindow {
	h := &HistoryWindow{m: m, kick: make(chan struct{}, 1), done: make(chan struct{})}
	h.w = m.app.NewWindow(content.HistoryTitle)
	h.table = newEscTable(h.w,
		func() (int, int) { return len(h.rows), int(content.NumHistoryColumns) },
		newCell,
		h.updateCell,
	)
	h.table.ShowHeaderRow = true
	h.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	h.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		if id.Col >= 0 && id.Col < int(content.NumHistoryColumns) {
			l.SetText(content.HistoryHeaders[id.Col])
		}
	}
	for i, wdt := range historyWidths {
		h.table.SetColumnWidth(i, wdt)
	}
	h.table.OnSelected = func(id widget.TableCellID) {
		h.table.UnselectAll()
		h.OpenRow(id.Row)
	}

	h.port = newEscEntry(h.w)
	h.port.SetPlaceHolder("5432, 53/udp")
	h.app = newEscEntry(h.w)
	h.app.SetPlaceHolder("part of its name or its full path")
	h.since = widget.NewSelectEntry(content.SinceChoices)
	h.since.SetPlaceHolder("7d, 2026-11-17")
	h.port.SetText(f.Port)
	h.app.SetText(f.App)
	if f.Since == "" {
		f.Since = content.SinceAll
	}
	h.since.SetText(f.Since)
	for _, e := range []*widget.Entry{&h.port.Entry, &h.app.Entry, &h.since.Entry} {
		e.OnChanged = func(string) { h.changed() }
	}

	h.status = widget.NewLabel("")
	h.status.Truncation = fyne.TextTruncateEllipsis
	h.empty = widget.NewLabel("")
	h.empty.Alignment = fyne.TextAlignCenter
	h.empty.Wrapping = fyne.TextWrapWord
	size := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	left := container.NewHBox(widget.NewLabel("Port"), size(h.port, 150), widget.NewLabel("Program"))
	right := container.NewHBox(widget.NewLabel("Since"), size(h.since, 190), explainEntry(m, h.w))
	top := container.NewBorder(nil, nil, left, right, h.app)
	h.w.SetContent(container.NewBorder(top, h.status, nil, nil,
		container.NewStack(h.table, container.NewCenter(size(h.empty, 560)))))
	h.w.Resize(fyne.NewSize(1240, 600))
	escCloses(h.w)

	if m.deps.Events == nil {
		h.showEmpty(content.HistoryNoStore)
		for _, e := range []fyne.Disableable{h.port, h.app, h.since} {
			e.Disable()
		}
		close(h.done)
		return h
	}
	h.status.SetText("Looking…")
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.changed()
	go h.run(ctx)
	return h
}

// Window returns the history window.
func (h *HistoryWindow) Window() fyne.Window { return h.w }

// Rows returns the rows shown, newest first.
func (h *HistoryWindow) Rows() []content.HistoryRow { return h.rows }

// Status returns the line under the table (or the empty-state text, once
// an answer with no rows put one in the table's place).
func (h *HistoryWindow) Status() string {
	if len(h.rows) == 0 && h.empty.Visible() && h.empty.Text != "" {
		return h.empty.Text
	}
	return h.status.Text
}

// SetFilter replaces the search, as `portlight ui history --port --exe` asks.
func (h *HistoryWindow) SetFilter(f content.HistoryFilter) {
	h.port.SetText(f.Port)
	h.app.SetText(f.App)
	if f.Since != "" {
		h.since.SetText(f.Since)
	}
	h.changed()
}

// changed reads the search row; a valid search is queried at once.
func (h *HistoryWindow) changed() {
	if h.port == nil || h.app == nil || h.since == nil || h.m.deps.Events == nil {
		return // still being built
	}
	f := content.HistoryFilter{Port: h.port.Text, App: h.app.Text, Since: h.since.Text}
	_, _, perr := content.ParseHistoryPort(f.Port)
	_, serr := content.ParseHistorySince(f.Since, h.m.deps.Now())
	h.port.SetValidationError(perr)
	h.since.SetValidationError(serr)
	fixed := h.problem != ""
	switch {
	case perr != nil:
		h.problem = "Cannot search by port: " + safetext.Line(perr.Error(), content.MaxCmdline)
	case serr != nil:
		h.problem = "Cannot search by time: " + safetext.Line(serr.Error(), content.MaxCmdline)
	default:
		h.problem = ""
	}
	if h.problem != "" {
		h.status.SetText(h.problem)
		return
	}
	h.mu.Lock()
	same := f == h.filter && h.gen > 0
	if !same {
		h.filter = f
		h.gen++
	}
	h.mu.Unlock()
	if !same || fixed {
		h.poke() // a fixed typo back to the same search: its status again now, not at the next refresh
	}
}

func (h *HistoryWindow) poke() {
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// run queries the store at every kick and every interval until ctx ends.
func (h *HistoryWindow) run(ctx context.Context) {
	defer close(h.done)
	t := time.NewTicker(h.m.deps.HistoryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.kick:
		case <-t.C:
		}
		h.mu.Lock()
		f, gen := h.filter, h.gen
		h.mu.Unlock()
		if gen == 0 {
			continue // no valid search asked yet: changed() showed why
		}
		s, err := f.Search(h.m.deps.Now(), HistoryLimit)
		if err != nil {
			continue // changed() showed why
		}
		qctx, cancel := context.WithTimeout(ctx, historyTimeout)
		lines, scanned, err := searchHistory(qctx, h.m.deps.Events, s)
		cancel()
		if ctx.Err() != nil {
			return
		}
		filtered := s.Query.Port != 0 || s.App != "" || !s.Query.Since.IsZero()
		h.m.deps.Do(func() {
			h.mu.Lock()
			current := gen == h.gen
			h.mu.Unlock()
			if current && !h.closed {
				h.show(lines, scanned, filtered, err)
				h.answered = gen
				h.answers++
			}
		})
	}
}

// searchHistory runs a search: a full path is asked of the store exactly;
// part of a name is matched among the latest historyScan events, and
// scanned says so when there were that many.
func searchHistory(ctx context.Context, q HistoryQuery, s content.HistorySearch) (lines []history.Line, scanned int, err error) {
	if s.App == "" {
		lines, err = q.Events(ctx, s.Query)
		return lines, 0, err
	}
	if content.LooksLikePath(s.App) {
		exact := s.Query
		exact.Exe = s.App
		lines, err = q.Events(ctx, exact)
		if err != nil || len(lines) > 0 {
			return lines, 0, err
		}
	}
	wide := s.Query
	wide.Limit = historyScan
	all, err := q.Events(ctx, wide)
	if err != nil {
		return nil, 0, err
	}
	for _, l := range all {
		if content.MatchApp(l.Exe, s.App) {
			lines = append(lines, l)
		}
	}
	if n := s.Query.Limit; n > 0 && len(lines) > n {
		lines = lines[len(lines)-n:] // oldest first: keep the newest
	}
	if len(all) >= historyScan {
		scanned = historyScan
	}
	return lines, scanned, nil
}

// show paints a query's answer; while the search row cannot be read, the
// line under the table keeps saying why (h.problem) instead of the count.
func (h *HistoryWindow) show(lines []history.Line, scanned int, filtered bool, err error) {
	if err != nil {
		if h.problem == "" {
			h.status.SetText("Could not read the history: " + safetext.Line(err.Error(), content.MaxCmdline))
		}
		return
	}
	h.rows = content.HistoryRows(lines)
	status := content.HistoryStatus(len(h.rows), HistoryLimit, scanned, filtered)
	if len(h.rows) == 0 {
		h.showEmpty(status)
	} else {
		h.empty.Hide()
		h.table.Show()
	}
	line := status
	if h.problem != "" {
		line = h.problem
	}
	if h.status.Text != line {
		h.status.SetText(line)
	}
	var b strings.Builder
	for _, r := range h.rows {
		fmt.Fprintf(&b, "%s\n", strings.Join(r.Cells[:], "\x00"))
	}
	if sig := b.String(); sig != h.painted {
		h.painted = sig
		h.table.Refresh()
	}
}

// showEmpty shows s instead of an empty table.
func (h *HistoryWindow) showEmpty(s string) {
	h.table.Hide()
	h.empty.SetText(s)
	h.empty.Show()
}

// OpenRow opens the explainer of the row's port, focused on its process.
func (h *HistoryWindow) OpenRow(row int) {
	if row < 0 || row >= len(h.rows) {
		return
	}
	r := h.rows[row]
	if _, ok := monitor.ParseProto(r.Proto); !ok {
		return
	}
	h.m.OpenExplainer(r.Port, r.Proto, r.PID)
}

func (h *HistoryWindow) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	label := o.(*fyne.Container).Objects[1].(*widget.Label)
	if id.Row < 0 || id.Row >= len(h.rows) || id.Col < 0 || id.Col >= int(content.NumHistoryColumns) {
		label.SetText("")
		return
	}
	r := h.rows[id.Row]
	label.Importance = widget.MediumImportance
	if r.Alert && (id.Col == int(content.HColEvent) || id.Col == int(content.HColDetail)) {
		label.Importance = widget.DangerImportance
	}
	label.SetText(r.Cells[id.Col])
}

// stop ends the query goroutine; the window is closing.
func (h *HistoryWindow) stop() {
	h.closed = true
	if h.cancel != nil {
		h.cancel()
	}
}

// HistoryFilterOf is the search a History request asks for.
func HistoryFilterOf(r handoff.Request) content.HistoryFilter {
	var f content.HistoryFilter
	if r.Port != 0 {
		f.Port = fmt.Sprint(r.Port)
		if r.Proto != "" {
			f.Port += "/" + r.Proto
		}
	}
	f.App = r.Exe
	return f
}

// escTable is a table that keeps Esc closing its window once a click gave it
// the keyboard focus (a focused widget gets the keys, so the canvas's Esc
// handler would never see them).
type escTable struct {
	widget.Table
	w fyne.Window
}

func newEscTable(w fyne.Window, length func() (int, int), create func() fyne.CanvasObject,
	update func(widget.TableCellID, fyne.CanvasObject)) *escTable {
	t := &escTable{w: w}
	t.Length, t.CreateCell, t.UpdateCell = length, create, update
	t.ExtendBaseWidget(t)
	return t
}

// TypedKey implements fyne.Focusable.
func (t *escTable) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		t.w.Close()
		return
	}
	t.Table.TypedKey(k)
}
