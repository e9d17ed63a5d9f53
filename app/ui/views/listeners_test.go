package views

import (
	"context"
	"image/color"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"portlight/app/ui/listing"
	"portlight/monitor"
)

// cell paints one cell the way the table does and returns its look.
func cell(l *Listeners, row int, col listing.Column) (string, color.Color, widget.Importance) {
	o := newCell()
	l.updateCell(widget.TableCellID{Row: row, Col: int(col)}, o)
	st := o.(*fyne.Container)
	lab := st.Objects[1].(*widget.Label)
	return lab.Text, st.Objects[0].(*canvas.Rectangle).FillColor, lab.Importance
}

func rowOf(t *testing.T, l *Listeners, port uint16) int {
	t.Helper()
	for i, r := range l.Rows() {
		if r.A.Port == port {
			return i
		}
	}
	t.Fatalf("no row for port %d", port)
	return -1
}

func TestListenersTableUpdates(t *testing.T) {
	r := newRig(t, nil)
	l := r.m.OpenListeners()
	// (test.LaidOutObjects re-lays the table's cells at their minimum size,
	// which hides its rows from later captures, so the window is not walked.)
	if l.Window().Title() != "Listening ports — Portlight" || l.count.Text != "Looking…" {
		t.Fatalf("before a scan: %q %q", l.Window().Title(), l.count.Text)
	}
	r.m.Apply(snap(listener(22, "0.0.0.0", 1, "sshd"), listener(631, "127.0.0.1", 2, "cupsd")), nil, t0)
	if n := len(l.Rows()); n != 2 {
		t.Fatalf("%d rows after the first scan", n)
	}
	if _, bg, _ := cell(l, rowOf(t, l, 22), listing.ColPort); bg != color.Transparent {
		t.Error("first scan's rows highlighted")
	}
	capture(t, l.Window(), "ui-listeners-first.png")

	// Second scan: cupsd closed, a new node server on an unassigned port.
	r.m.Apply(snap(listener(22, "0.0.0.0", 1, "sshd"), listener(5173, "127.0.0.1", 3, "node")), nil, t0.Add(time.Second))
	if n := len(l.Rows()); n != 3 {
		t.Fatalf("%d rows after the second scan, want 3 (one closed)", n)
	}
	txt, bg, _ := cell(l, rowOf(t, l, 5173), listing.ColProcess)
	if txt != "node (3)" || bg != Highlight {
		t.Errorf("new row: %q bg %v, want highlighted", txt, bg)
	}
	if txt, _, imp := cell(l, rowOf(t, l, 5173), listing.ColVerdict); !strings.HasPrefix(txt, "alert: unassigned port") || imp != widget.DangerImportance {
		t.Errorf("new row verdict %q importance %v", txt, imp)
	}
	txt, bg, imp := cell(l, rowOf(t, l, 631), listing.ColVerdict)
	if txt != "closed" || imp != widget.LowImportance || bg != color.Transparent {
		t.Errorf("closed row: %q importance %v bg %v, want greyed 'closed'", txt, imp, bg)
	}
	if !strings.HasPrefix(l.count.Text, "2 listening, 1 alerting.") {
		t.Errorf("status line: %q", l.count.Text)
	}
	capture(t, l.Window(), "ui-listeners-changed.png")

	// After ~5 s the closed row is gone and the new one is plain.
	r.m.Apply(snap(listener(22, "0.0.0.0", 1, "sshd"), listener(5173, "127.0.0.1", 3, "node")), nil, t0.Add(7*time.Second))
	if n := len(l.Rows()); n != 2 {
		t.Fatalf("%d rows after the marks expired", n)
	}
	if _, bg, _ := cell(l, rowOf(t, l, 5173), listing.ColPort); bg != color.Transparent {
		t.Error("row still highlighted after 5 s")
	}
}

func TestListenersSortFilterOpen(t *testing.T) {
	r := newRig(t, nil)
	l := r.m.OpenListeners()
	r.m.Apply(snap(listener(631, "127.0.0.1", 2, "cupsd"), listener(22, "0.0.0.0", 1, "sshd"), listener(5173, "127.0.0.1", 3, "node")), nil, t0)
	ports := func() string {
		var s []string
		for _, r := range l.Rows() {
			s = append(s, r.Cells[listing.ColPort])
		}
		return strings.Join(s, ",")
	}
	// Clicking the Port header reverses the order; the header shows an arrow.
	h := l.table.CreateHeader()
	l.updateHeader(widget.TableCellID{Row: -1, Col: int(listing.ColPort)}, h)
	if h.(*widget.Button).Text != "Port ▲" {
		t.Errorf("header %q", h.(*widget.Button).Text)
	}
	test.Tap(h.(*widget.Button))
	if got := ports(); got != "5173,631,22" {
		t.Errorf("after clicking Port: %s", got)
	}
	l.updateHeader(widget.TableCellID{Row: -1, Col: int(listing.ColPort)}, h)
	if h.(*widget.Button).Text != "Port ▼" {
		t.Errorf("header %q", h.(*widget.Button).Text)
	}
	test.Type(l.filter, "cups")
	if got := ports(); got != "631" {
		t.Errorf("filtered on cups: %s", got)
	}
	l.filter.SetText("")
	// Selecting a row opens its port's explainer, focused on its process.
	l.table.Select(widget.TableCellID{Row: rowOf(t, l, 5173), Col: 2})
	e, ok := r.m.explainers["5173/tcp"]
	if !ok || e.focus != 3 {
		t.Fatalf("row click opened %v", r.m.explainers)
	}
	// Esc closes the window even once a click gave the table the focus.
	l.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	l.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if r.m.listeners != nil {
		t.Error("Esc in the table did not close the listeners window")
	}
}

// fakeScanner returns its snapshots in turn, then the last one forever.
type fakeScanner struct {
	mu    sync.Mutex
	snaps []monitor.Snapshot
	calls int
}

func (f *fakeScanner) Scan(context.Context) (monitor.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := min(f.calls, len(f.snaps)-1)
	f.calls++
	return f.snaps[i], nil
}

// TestLiveUpdates runs the manager's scan loop and waits for the table to
// show the second scan.
func TestLiveUpdates(t *testing.T) {
	a := test.NewTempApp(t)
	sc := &fakeScanner{snaps: []monitor.Snapshot{snap(listener(22, "0.0.0.0", 1, "sshd")), snap(listener(22, "0.0.0.0", 1, "sshd"), listener(8000, "0.0.0.0", 9, "python3"))}}
	var mu sync.Mutex
	do := func(fn func()) { mu.Lock(); defer mu.Unlock(); fn() }
	m := NewManager(a, Deps{Scanner: sc, Interval: 20 * time.Millisecond, Do: do})
	m.OnLastClosed = func() {}
	var l *Listeners
	do(func() { l = m.OpenListeners() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		var state listing.State
		do(func() {
			rows := l.Rows()
			n = len(rows)
			for _, r := range rows {
				if r.A.Port == 8000 {
					state = r.State
				}
			}
		})
		if n == 2 && state == listing.New {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("table never showed the new listener: %d rows", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
