package views

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"portlight/app/handoff"
	"portlight/content"
	"portlight/history"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// on runs fn as if on Fyne's goroutine: serialised with what the windows'
// goroutines hand to Deps.Do.
func (r *rig) on(fn func()) { r.mu.Lock(); defer r.mu.Unlock(); fn() }

// waitFor polls cond (run as on Fyne's goroutine) until it holds.
func (r *rig) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		r.on(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// store is a real history database in a test folder, with a recorder.
type store struct {
	s   *history.Store
	rec *history.Recorder
}

func openStore(t *testing.T) *store {
	t.Helper()
	s, err := history.Open(context.Background(), history.Options{Path: filepath.Join(t.TempDir(), history.FileName),
		Now: func() time.Time { return t0 }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("history.Open: %v", err)
	}
	rec, err := history.StartRecorder(context.Background(), s, history.RecorderOptions{TouchEvery: time.Hour, PurgeEvery: time.Hour})
	if err != nil {
		s.Close()
		t.Fatalf("StartRecorder: %v", err)
	}
	t.Cleanup(func() { rec.Close(); s.Close() })
	return &store{s: s, rec: rec}
}

// record writes events and waits until they are committed.
func (st *store) record(t *testing.T, events ...monitor.Event) {
	t.Helper()
	if !st.rec.Record(events) {
		t.Fatal("Record dropped events")
	}
	if err := st.rec.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := st.rec.Stats().LastErr; err != nil {
		t.Fatalf("recorder: %v", err)
	}
}

func histListener(port uint16, proto monitor.Proto, exe string, pid int32) monitor.Listener {
	return monitor.Listener{Proto: proto, Family: monitor.IPv4, Address: "127.0.0.1", Port: port, Exposure: monitor.Loopback,
		UID: 1000, Process: monitor.Process{PID: pid, Exe: exe, Name: filepath.Base(exe), User: "alice", StartTime: t0.Add(-30 * 24 * time.Hour)}}
}

// seed records a small week: postgres on 5432 for days, a node dev server
// on 5173 for an hour, /tmp/x taking 5432 over (alerted), dnsmasq on 53/udp.
func seed(t *testing.T, st *store) {
	t.Helper()
	pg := histListener(5432, monitor.TCP, "/usr/lib/postgresql/15/bin/postgres", 100)
	node := histListener(5173, monitor.TCP, "/usr/bin/node", 200)
	node3000 := histListener(3000, monitor.TCP, "/usr/bin/node", 201)
	x := histListener(5432, monitor.TCP, "/tmp/x", 666)
	x.Address, x.Exposure = "0.0.0.0", monitor.Network
	dns := histListener(53, monitor.UDP, "/usr/sbin/dnsmasq", 300)
	st.record(t, monitor.Event{Kind: monitor.Opened, Time: t0.Add(-10 * 24 * time.Hour), Listener: pg})
	st.record(t, monitor.Event{Kind: monitor.Opened, Time: t0.Add(-5 * 24 * time.Hour), Listener: node3000})
	st.record(t, monitor.Event{Kind: monitor.Closed, Time: t0.Add(-5*24*time.Hour + time.Hour), Listener: node3000})
	st.record(t, monitor.Event{Kind: monitor.Opened, Time: t0.Add(-3 * time.Hour), Listener: node})
	st.record(t, monitor.Event{Kind: monitor.Closed, Time: t0.Add(-2 * time.Hour), Listener: node})
	st.record(t, monitor.Event{Kind: monitor.OwnerChanged, Time: t0.Add(-30 * time.Minute), Listener: x, Previous: &pg})
	if _, err := st.s.RecordAlert(context.Background(), t0.Add(-29*time.Minute), x,
		[]string{"reachable from the network", history.OwnerChangeReason(x, pg.Exe)}); err != nil {
		t.Fatalf("RecordAlert: %v", err)
	}
	st.record(t, monitor.Event{Kind: monitor.Opened, Time: t0.Add(-5 * time.Minute), Listener: dns})
}

// historyRig is a rig whose windows search st.
func historyRig(t *testing.T, st *store) *rig {
	r := newRig(t, nil)
	if st != nil {
		r.m.deps.Events = st.s
	}
	r.m.deps.HistoryInterval = 40 * time.Millisecond
	return r
}

// shown returns the rows as "event port exe" strings, newest first.
func shown(h *HistoryWindow) string {
	var out []string
	for _, row := range h.Rows() {
		out = append(out, row.Cells[content.HColEvent]+" "+row.Cells[content.HColPort]+" "+row.Cells[content.HColExe])
	}
	return strings.Join(out, "\n")
}

// answeredCurrent tells whether the table shows the answer to the search
// now in the search row (run as on Fyne's goroutine).
func answeredCurrent(h *HistoryWindow) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gen > 0 && h.answered == h.gen
}

// search sets the search row, waits for the answer to that very search and
// checks the table shows want (waiting on the answer, not on want, so a
// search whose rows equal the previous one's is checked too).
func search(t *testing.T, r *rig, h *HistoryWindow, port, app, since, want string) {
	t.Helper()
	r.on(func() {
		h.port.SetText(port)
		h.app.SetText(app)
		h.since.SetText(since)
	})
	r.waitFor(t, fmt.Sprintf("the answer to port=%q app=%q since=%q", port, app, since), func() bool { return answeredCurrent(h) })
	var got string
	r.on(func() { got = shown(h) })
	if got != want {
		t.Fatalf("search port=%q app=%q since=%q shows\n%s\nwant\n%s", port, app, since, got, want)
	}
}

const (
	rowDNS     = "opened 53/udp /usr/sbin/dnsmasq"
	rowAlert   = "alert 5432/tcp /tmp/x"
	rowChanged = "owner changed 5432/tcp /tmp/x"
	rowNodeEnd = "closed 5173/tcp /usr/bin/node"
	rowNode    = "opened 5173/tcp /usr/bin/node"
	row3000End = "closed 3000/tcp /usr/bin/node"
	row3000    = "opened 3000/tcp /usr/bin/node"
	rowPG      = "opened 5432/tcp /usr/lib/postgresql/15/bin/postgres"
)

func rows(r ...string) string { return strings.Join(r, "\n") }

// TestHistoryWindowSearches records events in a real database and searches
// them by port, program and time, as a person would in the window.
func TestHistoryWindowSearches(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	r := historyRig(t, st)
	var h *HistoryWindow
	r.on(func() { h = r.m.OpenHistory(content.HistoryFilter{}) })
	if got := h.Window().Title(); got != "History — Portlight" {
		t.Errorf("title %q", got)
	}
	all := rows(rowDNS, rowAlert, rowChanged, rowNodeEnd, rowNode, row3000End, row3000, rowPG)
	search(t, r, h, "", "", content.SinceAll, all)
	r.on(func() {
		if s := h.Status(); !strings.HasPrefix(s, "8 matching events, newest first.") {
			t.Errorf("status %q", s)
		}
		alert := h.Rows()[1]
		if !alert.Alert || !strings.Contains(alert.Cells[content.HColDetail], "5432/tcp is usually /usr/lib/postgresql/15/bin/postgres, now /tmp/x") ||
			alert.Cells[content.HColAddress] != "0.0.0.0" || alert.Cells[content.HColPID] != "666" || alert.Cells[content.HColUser] != "alice" {
			t.Errorf("alert row %+v", alert)
		}
		if d := h.Rows()[2].Cells[content.HColDetail]; d != "was /usr/lib/postgresql/15/bin/postgres" {
			t.Errorf("owner changed detail %q", d)
		}
		// The cells the table paints, alert cells in red.
		for _, c := range []struct {
			row int
			col content.HistoryColumn
			imp widget.Importance
		}{{1, content.HColEvent, widget.DangerImportance}, {1, content.HColExe, widget.MediumImportance}, {0, content.HColEvent, widget.MediumImportance}} {
			o := newCell()
			h.updateCell(widget.TableCellID{Row: c.row, Col: int(c.col)}, o)
			lab := o.(*fyne.Container).Objects[1].(*widget.Label)
			if lab.Text != h.Rows()[c.row].Cells[c.col] || lab.Importance != c.imp {
				t.Errorf("cell %d,%d: %q importance %v, want %v", c.row, c.col, lab.Text, lab.Importance, c.imp)
			}
		}
	})
	capture(t, h.Window(), "ui-history.png")

	search(t, r, h, "5432", "", content.SinceAll, rows(rowAlert, rowChanged, rowPG))
	search(t, r, h, "5432/udp", "", content.SinceAll, "")
	r.on(func() {
		if s := h.Status(); !strings.HasPrefix(s, "No matching events.") {
			t.Errorf("status with no match %q", s)
		}
	})
	search(t, r, h, "53/udp", "", "", rows(rowDNS))
	search(t, r, h, "", "node", content.SinceAll, rows(rowNodeEnd, rowNode, row3000End, row3000))
	search(t, r, h, "", "/usr/bin/node", content.SinceAll, rows(rowNodeEnd, rowNode, row3000End, row3000))
	search(t, r, h, "", "/usr/bin/no", content.SinceAll, rows(rowNodeEnd, rowNode, row3000End, row3000))
	search(t, r, h, "", "", content.SinceHour, rows(rowDNS, rowAlert, rowChanged))
	search(t, r, h, "", "", "7d", rows(rowDNS, rowAlert, rowChanged, rowNodeEnd, rowNode, row3000End, row3000))
	search(t, r, h, "5432", "", content.SinceHour, rows(rowAlert, rowChanged))
	search(t, r, h, "", "NODE", "4h", rows(rowNodeEnd, rowNode))

	// A search that cannot be read says why and keeps the last answer, also
	// once the periodic refresh has repainted the table under it.
	var before int
	r.on(func() { h.port.SetText("ssh"); before = h.answers })
	r.waitFor(t, "a refresh after the bad port", func() bool { return h.answers > before })
	r.on(func() {
		if s := h.Status(); !strings.HasPrefix(s, "Cannot search by port: ") || shown(h) != rows(rowNodeEnd, rowNode) {
			t.Errorf("bad port after a refresh: status %q rows %q", s, shown(h))
		}
	})
	// Back to the same valid search: the count comes back.
	r.on(func() { h.port.SetText("") })
	r.waitFor(t, "the count after the fix", func() bool { return strings.HasPrefix(h.Status(), "2 matching events") })

	// Clicking a row opens its port's explainer, focused on its process.
	search(t, r, h, "5432", "", content.SinceAll, rows(rowAlert, rowChanged, rowPG))
	r.on(func() { h.table.Select(widget.TableCellID{Row: 1, Col: int(content.HColExe)}) })
	r.on(func() {
		e, ok := r.m.explainers["5432/tcp"]
		if !ok || e.focus != 666 {
			t.Fatalf("row click opened %v", r.m.explainers)
		}
		if r.m.OpenCount() != 2 {
			t.Errorf("%d windows open", r.m.OpenCount())
		}
	})

	// Live: a new event under the same search shows up on its own.
	x2 := histListener(5432, monitor.TCP, "/tmp/x", 666)
	x2.Address, x2.Exposure = "0.0.0.0", monitor.Network
	st.record(t, monitor.Event{Kind: monitor.Closed, Time: t0.Add(-time.Minute), Listener: x2})
	r.waitFor(t, "the new event", func() bool { return shown(h) == rows("closed 5432/tcp /tmp/x", rowAlert, rowChanged, rowPG) })

	// Closing the window stops its queries.
	r.on(func() { h.Window().Close() })
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the query goroutine outlived its window")
	}
	r.on(func() {
		if r.m.history != nil {
			t.Error("manager still holds the closed history window")
		}
	})
}

// TestHistoryWindowBadFirstSearch opens the window on a search it cannot
// read: it says why and shows no unfiltered answer in its place, until the
// search is fixed.
func TestHistoryWindowBadFirstSearch(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	r := historyRig(t, st)
	var h *HistoryWindow
	r.on(func() { h = r.m.OpenHistory(content.HistoryFilter{Port: "ssh"}) })
	// Nothing is asked, so there is no answer to wait for: give the 40 ms
	// refresh several turns; on a loaded machine this can only pass without
	// proving much, never fail wrongly.
	time.Sleep(200 * time.Millisecond)
	r.on(func() {
		if s := h.Status(); !strings.HasPrefix(s, "Cannot search by port: ") || h.answers != 0 || len(h.Rows()) != 0 {
			t.Errorf("bad first search: status %q, %d answers, rows %q", s, h.answers, shown(h))
		}
		h.SetFilter(content.HistoryFilter{Port: "53/udp"})
	})
	r.waitFor(t, "the fixed search's answer", func() bool { return answeredCurrent(h) })
	r.on(func() {
		if shown(h) != rows(rowDNS) || !strings.HasPrefix(h.Status(), "1 matching event.") {
			t.Errorf("fixed search: status %q rows %q", h.Status(), shown(h))
		}
		h.Window().Close()
	})
	<-h.done
}

// TestHistoryWindowRequest opens the window from a `ui history --port
// --exe` request; a second request raises it with the new search.
func TestHistoryWindowRequest(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	r := historyRig(t, st)
	var h *HistoryWindow
	r.on(func() {
		w := r.m.Open(handoff.Request{Kind: handoff.History, Port: 5432, Proto: "tcp", Exe: "/tmp/x"})
		h = r.m.history
		if h == nil || w != h.Window() {
			t.Fatal("a history request did not open the history window")
		}
	})
	r.waitFor(t, "the filtered rows", func() bool { return shown(h) == rows(rowAlert, rowChanged) })
	r.on(func() {
		if h.port.Text != "5432/tcp" || h.app.Text != "/tmp/x" || h.since.Text != content.SinceAll {
			t.Errorf("search row %q %q %q", h.port.Text, h.app.Text, h.since.Text)
		}
		r.m.Open(handoff.Request{Kind: handoff.History, Port: 53})
		if r.m.history != h || r.m.OpenCount() != 1 {
			t.Error("a second request opened a second window")
		}
		if h.port.Text != "53" || h.app.Text != "" {
			t.Errorf("second request's search %q %q", h.port.Text, h.app.Text)
		}
		r.m.Open(handoff.Request{Kind: handoff.History})
		if h.port.Text != "53" {
			t.Error("a request without a search cleared the search")
		}
	})
	r.waitFor(t, "the second search", func() bool { return shown(h) == rows(rowDNS) })
	// Esc closes the window even once a click gave the table the focus.
	r.on(func() {
		h.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		h.table.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if r.m.history != nil || r.m.OpenCount() != 0 {
			t.Error("Esc in the table did not close the window")
		}
	})
	<-h.done
}

// TestHistoryWindowNoStore shows what the window says when no history
// store exists, and that it starts no goroutine.
func TestHistoryWindowNoStore(t *testing.T) {
	r := historyRig(t, nil)
	var h *HistoryWindow
	r.on(func() { h = r.m.OpenHistory(content.HistoryFilter{Port: "22"}) })
	r.on(func() {
		if got := h.Status(); got != content.HistoryNoStore {
			t.Errorf("status %q, want %q", got, content.HistoryNoStore)
		}
		if !hasText(h.Window(), "History is not recorded yet: it starts when the tray app or `portlight watch` runs.") {
			t.Errorf("window texts %q", texts(h.Window()))
		}
	})
	capture(t, h.Window(), "ui-history-no-store.png")
	select {
	case <-h.done:
	default:
		t.Error("a window without a store has a query goroutine")
	}
	r.on(func() { h.Window().Close() })
}

// TestHistoryWindowEmptyStore: a store with nothing in it yet.
func TestHistoryWindowEmptyStore(t *testing.T) {
	r := historyRig(t, openStore(t))
	var h *HistoryWindow
	r.on(func() { h = r.m.OpenHistory(content.HistoryFilter{}) })
	r.waitFor(t, "the empty answer", func() bool { return strings.HasPrefix(h.Status(), "No events recorded yet.") })
	r.on(func() { h.Window().Close() })
	<-h.done
}

// TestAppBefore reads "This app before" from a real database: the other
// ports node listened on, not the one explained.
func TestAppBefore(t *testing.T) {
	st := openStore(t)
	seed(t, st)
	r := historyRig(t, st)
	node := histListener(5173, monitor.TCP, "/usr/bin/node", 201)
	in := content.Input{Port: 5173, Proto: "tcp", Scanned: true, Now: []policy.Assessment{{Listener: node}}}
	var a appBefore
	refreshed := make(chan struct{}, 1)
	refresh := func() { refreshed <- struct{}{} }
	var s content.Section
	r.on(func() { s = a.section(r.m, in, refresh) })
	if s.Key != content.KeyAppBefore || s.Title != "This app before" || strings.Join(s.Lines, "|") != "Looking…" {
		t.Errorf("before the read: %+v", s)
	}
	select {
	case <-refreshed:
	case <-time.After(5 * time.Second):
		t.Fatal("the read never finished")
	}
	r.on(func() { s = a.section(r.m, in, refresh) })
	want := "/usr/bin/node also listened on:|  3000/tcp: once, last " + t0.Add(-5*24*time.Hour+time.Hour).Local().Format("2006-01-02 15:04")
	if got := strings.Join(s.Lines, "|"); got != want {
		t.Errorf("after the read:\n%s\nwant\n%s", got, want)
	}
	select {
	case <-refreshed:
		t.Error("an unchanged owner read the history again")
	case <-time.After(100 * time.Millisecond):
	}
	// Nothing listening: nothing to look up; no store: say so.
	r.on(func() { s = a.section(r.m, content.Input{Port: 5173, Proto: "tcp", Scanned: true}, refresh) })
	if got := strings.Join(s.Lines, "|"); got != "No program with a known path listens here now." {
		t.Errorf("nothing listening: %q", got)
	}
	r.m.deps.Events = nil
	r.on(func() { s = a.section(r.m, in, refresh) })
	if got := strings.Join(s.Lines, "|"); got != "History not recorded yet." {
		t.Errorf("no store: %q", got)
	}
}

// benchHistory opens the history package's benchmark fixture (1,000,000
// sessions over 90 days, built by `go test -run '^$' -bench . ./history`)
// read-only in spirit: nothing here writes.
func benchHistory(b *testing.B) *history.Store {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("portlight-history-bench-v%d-1000000.db", history.SchemaVersion))
	if _, err := os.Stat(path); err != nil {
		b.Fatalf("no fixture %s: build it with `go test -run '^$' -bench . ./history` (%v)", path, err)
	}
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	s, err := history.Open(context.Background(), history.Options{Path: path, MaxBytes: 1 << 40, Now: func() time.Time { return end },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkHistoryWindowSearch times the history window's searches on a
// million stored sessions: what one refresh of the table costs.
func BenchmarkHistoryWindowSearch(b *testing.B) {
	s := benchHistory(b)
	end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name string
		f    content.HistoryFilter
	}{
		{"latest", content.HistoryFilter{}},
		{"port", content.HistoryFilter{Port: "20100"}},
		{"hot-port", content.HistoryFilter{Port: "5173/tcp"}},
		{"last-hour", content.HistoryFilter{Since: content.SinceHour}},
		{"app-path", content.HistoryFilter{App: "/usr/lib/app7/bin/server7"}},
		{"app-part", content.HistoryFilter{App: "server7"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sr, err := bc.f.Search(end, HistoryLimit)
			if err != nil {
				b.Fatal(err)
			}
			var n int
			for b.Loop() {
				lines, _, err := searchHistory(context.Background(), s, sr)
				if err != nil {
					b.Fatal(err)
				}
				n = len(lines)
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
}

// BenchmarkAppBeforeRead times the explainer's "This app before" read: one
// program's latest events, summed up by port.
func BenchmarkAppBeforeRead(b *testing.B) {
	s := benchHistory(b)
	var n int
	for b.Loop() {
		lines, err := s.Events(context.Background(), history.Query{Exe: "/usr/lib/app7/bin/server7", Limit: appBeforeEvents})
		if err != nil {
			b.Fatal(err)
		}
		n = len(content.AppPorts(lines, 5173, "tcp"))
	}
	b.ReportMetric(float64(n), "ports")
}

// TestHistoryWindowHostileText stores a listener whose program chose a
// hostile path and user name: the table shows them cleaned and bounded.
func TestHistoryWindowHostileText(t *testing.T) {
	st := openStore(t)
	l := histListener(4444, monitor.TCP, "/tmp/\x1b[31mevil\u202e\ngpj.exe", 9)
	l.User = strings.Repeat("u", 10240)
	st.record(t, monitor.Event{Kind: monitor.Opened, Time: t0.Add(-time.Minute), Listener: l})
	r := historyRig(t, st)
	var h *HistoryWindow
	r.on(func() { h = r.m.OpenHistory(content.HistoryFilter{App: "evil"}) })
	r.waitFor(t, "the hostile row", func() bool { return len(h.Rows()) == 1 })
	r.on(func() {
		c := h.Rows()[0].Cells
		if c[content.HColExe] != "/tmp/evil gpj.exe" {
			t.Errorf("program cell %q", c[content.HColExe])
		}
		if n := utf8.RuneCountInString(c[content.HColUser]); n > content.MaxName+1 {
			t.Errorf("user cell of %d runes", n)
		}
		h.Window().Close()
	})
	<-h.done
}
