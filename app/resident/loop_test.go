package resident

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"testing"
	"time"

	"portlight/app/handoff"
	"portlight/app/notify"
	"portlight/autostart"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// fakeScanner returns the snapshots it is given, one per Scan, repeating
// the last one.
type fakeScanner struct {
	snaps []monitor.Snapshot
	err   error
}

func (f *fakeScanner) Scan(ctx context.Context) (monitor.Snapshot, error) {
	if f.err != nil {
		return monitor.Snapshot{}, f.err
	}
	if len(f.snaps) == 0 {
		return monitor.Snapshot{}, nil
	}
	s := f.snaps[0]
	if len(f.snaps) > 1 {
		f.snaps = f.snaps[1:]
	}
	return s, nil
}

// fakeNotifier records messages; it fails while down is set.
type fakeNotifier struct {
	sent []notify.Message
	down bool
}

func (f *fakeNotifier) Notify(ctx context.Context, m notify.Message) error {
	if f.down {
		return notify.ErrUnavailable
	}
	f.sent = append(f.sent, m)
	return nil
}
func (f *fakeNotifier) Actions() bool { return true }
func (f *fakeNotifier) Close() error  { return nil }

// count returns how many sent messages are about port.
func (f *fakeNotifier) count(port uint16) int {
	n := 0
	for _, m := range f.sent {
		if m.Port == port {
			n++
		}
	}
	return n
}

// fakeView records the last model and the windows asked for.
type fakeView struct {
	last    MenuModel
	windows []handoff.Request
}

func (f *fakeView) Apply(m MenuModel) { f.last = m }

// alertAbove40000 is a stand-in policy: ports above 40000 alert.
func alertAbove40000(l monitor.Listener) policy.Assessment {
	sev := policy.SeverityLow
	if l.Exposure == monitor.Network {
		sev = policy.SeverityHigh
	}
	alert := l.Port > 40000
	if !alert {
		sev = ""
	}
	return policy.Assessment{Listener: l, Verdict: policy.Verdict{Alert: alert, Severity: sev}}
}

func newTestResident(sc Scanner, n notify.Notifier, store *settings.Store, assess func(monitor.Listener) policy.Assessment) (*resident, *fakeView) {
	v := &fakeView{}
	r := newResident(Options{Scanner: sc, Interval: time.Second, Assess: assess, Notifier: n,
		OpenWindow: func(req handoff.Request) { v.windows = append(v.windows, req) }},
		store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.view = v
	return r, v
}

func snap(ls ...monitor.Listener) monitor.Snapshot { return monitor.Snapshot{Listeners: ls} }

func TestLoopNotifiesOnceAndMarksRead(t *testing.T) {
	a := lst("0.0.0.0", 47001, 10, "python3")
	ok := lst("0.0.0.0", 22, 1, "sshd")
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(ok), snap(ok, a)}}, n, nil, alertAbove40000)
	ctx := context.Background()
	for i := range 4 {
		r.tick(ctx, t0.Add(time.Duration(i)*time.Second))
		r.render(t0)
	}
	if len(n.sent) != 2 || n.sent[0].Title != "Portlight recorded 1 listening port of 1 program as the baseline" {
		t.Fatalf("sent %+v, want the baseline then one alert", n.sent)
	}
	m := n.sent[1]
	if m.Port != 47001 || m.Title != "python3 is listening on port 47001/tcp" {
		t.Fatalf("alert notification %+v", m)
	}
	if !v.last.Unread || len(v.last.Recent) != 1 || !v.last.Listeners[0].Alert {
		t.Fatalf("model %+v", v.last)
	}
	r.handle(ctx, action{kind: actOpenAlert, id: m.Key, port: 47001, proto: "tcp"}, t0)
	r.render(t0)
	if v.last.Unread {
		t.Error("still unread after the click")
	}
	want := handoff.Request{Kind: handoff.Explain, Port: 47001, Proto: "tcp"}
	if len(v.windows) != 1 || v.windows[0] != want {
		t.Errorf("windows %+v, want the explainer of 47001/tcp", v.windows)
	}
}

func TestLoopKeepsAlertWithoutDaemon(t *testing.T) {
	a := lst("0.0.0.0", 47001, 10, "python3")
	n := &fakeNotifier{down: true}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(a)}}, n, nil, alertAbove40000)
	ctx := context.Background()
	r.tick(ctx, t0)
	r.tick(ctx, t0.Add(time.Second))
	r.render(t0)
	if len(n.sent) != 0 || !v.last.Unread {
		t.Fatalf("sent %d, unread %v", len(n.sent), v.last.Unread)
	}
	// The daemon appears: the kept alert is shown at once, once.
	n.down = false
	r.handle(ctx, action{kind: actRetry}, t0.Add(2*time.Second))
	r.tick(ctx, t0.Add(3*time.Second))
	r.handle(ctx, action{kind: actRetry}, t0.Add(4*time.Second))
	if n.count(47001) != 1 {
		t.Fatalf("sent %+v after the daemon appeared, want one for 47001", n.sent)
	}
}

func TestLoopRetriesPeriodically(t *testing.T) {
	a := lst("0.0.0.0", 47001, 10, "python3")
	n := &fakeNotifier{down: true}
	r, _ := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(a)}}, n, nil, alertAbove40000)
	ctx := context.Background()
	r.tick(ctx, t0)
	r.tick(ctx, t0.Add(time.Second))
	n.down = false
	r.tick(ctx, t0.Add(retryEvery/2))
	if n.count(47001) != 0 {
		t.Fatal("retried before retryEvery")
	}
	r.tick(ctx, t0.Add(retryEvery+2*time.Second))
	if n.count(47001) != 1 {
		t.Fatalf("sent %+v after retryEvery, want one for 47001", n.sent)
	}
}

func TestLoopFloodAndPause(t *testing.T) {
	var ls []monitor.Listener
	for i := range 20 {
		l := lst("127.0.0.1", uint16(47001+i), int32(100+i), fmt.Sprintf("churn%d", i))
		l.Exposure = monitor.Loopback
		ls = append(ls, l)
	}
	net := lst("0.0.0.0", 48000, 9, "server")
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(ls...), snap(append(ls, net)...)}}, n, nil, alertAbove40000)
	ctx := context.Background()
	r.tick(ctx, t0)
	base := len(n.sent)
	r.tick(ctx, t0.Add(time.Second))
	if got := len(n.sent) - base; got == 0 || got > policy.MaxNoticesPerScan+1 {
		t.Fatalf("20 programs in one scan gave %d notifications, want 1..%d", got, policy.MaxNoticesPerScan+1)
	}
	r.render(t0.Add(time.Second))
	if v.last.Header != "Portlight — 20 listeners · 20 alerting · 20 unread alerts" {
		t.Errorf("header %q", v.last.Header)
	}
	// A network-reachable alert still gets through.
	r.tick(ctx, t0.Add(2*time.Second))
	if n.count(48000) != 1 {
		t.Fatalf("network alert held back: %+v", n.sent)
	}

	// Paused: a new alert is kept, not notified; resuming sums it up.
	r.handle(ctx, action{kind: actPauseHour}, t0.Add(3*time.Second))
	r.opts.Scanner = &fakeScanner{snaps: []monitor.Snapshot{snap(append(ls, net, lst("0.0.0.0", 48001, 8, "new"))...)}}
	r.tick(ctx, t0.Add(4*time.Second))
	r.render(t0.Add(4 * time.Second))
	if n.count(48001) != 0 {
		t.Error("notified while paused")
	}
	if !v.last.Paused || v.last.Pause != PauseLabel(t0.Add(3*time.Second+time.Hour), false) {
		t.Errorf("pause not shown: %q", v.last.Pause)
	}
	r.handle(ctx, action{kind: actResume}, t0.Add(5*time.Second))
	r.tick(ctx, t0.Add(6*time.Second))
	r.render(t0.Add(6 * time.Second))
	if v.last.Paused {
		t.Error("still paused after resume")
	}
	if n.count(48001) != 1 {
		t.Errorf("the alert held during the pause was not summed up on resume: %+v", n.sent[len(n.sent)-1])
	}
}

func TestLoopScanError(t *testing.T) {
	r, v := newTestResident(&fakeScanner{err: errors.New("netlink: boom")}, &fakeNotifier{}, nil, alertAbove40000)
	r.tick(context.Background(), t0)
	r.render(t0)
	if v.last.NoScan == "" {
		t.Fatal("scan failure not shown in the tray")
	}
}

// TestLoopSettings runs on a real settings store: the pause is written to
// the file, "Allow app…" opens the explainer and writes nothing until the
// user confirms there, and the gate's state is
// saved for the next run.
func TestLoopSettings(t *testing.T) {
	dir := t.TempDir()
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	a := lst("0.0.0.0", 47002, int32(os.Getpid()), "resident.test")
	a.Exe = self
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(a)}}, n, store, nil)
	ctx := context.Background()
	r.tick(ctx, t0)
	r.tick(ctx, t0.Add(time.Second))
	if n.count(47002) != 1 {
		t.Fatalf("sent %+v, want one alert for 47002 under the real policy (verdict %+v)", n.sent, r.current)
	}
	m := n.sent[len(n.sent)-1]
	if !m.CanAllow {
		t.Error("Allow app not offered for a plain executable")
	}

	r.handle(ctx, action{kind: actPauseAll}, t0.Add(2*time.Second))
	if !store.Settings().Pause.UntilResumed {
		t.Error("pause not written to the settings")
	}
	// "Allow app…" on the notification writes nothing: it opens the
	// explainer on the alert's process, where the user confirms.
	r.handle(ctx, action{kind: actAllow, id: m.Key, port: 47002, proto: "tcp"}, t0.Add(3*time.Second))
	if es := store.Settings().Allow; len(es) != 0 {
		t.Fatalf("allow-list %+v written from a notification, without the user confirming", es)
	}
	want := handoff.Request{Kind: handoff.Explain, Port: 47002, Proto: "tcp", PID: int32(os.Getpid())}
	if len(v.windows) == 0 || v.windows[len(v.windows)-1] != want {
		t.Fatalf("windows opened %+v, want the explainer %+v", v.windows, want)
	}
	// The user confirms in the explainer ("Allow this app on all ports").
	if err := (settings.Allower{Store: windowStore(t, dir)}).AllowApp(self); err != nil {
		t.Fatal(err)
	}
	r.tick(ctx, t0.Add(4*time.Second)) // the resident picks the change up
	found := false
	for _, e := range store.Settings().Allow {
		found = found || e.Path == self
	}
	if !found {
		t.Fatalf("allow-list %+v lacks %s", store.Settings().Allow, self)
	}
	if r.current[0].Verdict.Alert {
		t.Error("the allowed program still alerts")
	}
	r.saveState()
	st, err := settings.LoadState(dir)
	if err != nil || !st.BaselineTaken {
		t.Errorf("gate state not saved: %+v %v", st, err)
	}
}

// windowStore is the settings store of the window process (`portlight ui`),
// where the explainer's "Allow this app" buttons write: a store of its own
// on the same folder, whose change the resident picks up from the file.
func windowStore(t *testing.T, dir string) *settings.Store {
	t.Helper()
	s, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLoopAutostart: turning "start at login" on in the settings file while
// Portlight runs writes the login entry (under a private XDG_CONFIG_HOME).
func TestLoopAutostart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the XDG entry is the Linux form")
	}
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	store, err := settings.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newTestResident(&fakeScanner{}, &fakeNotifier{}, store, alertAbove40000)
	r.opts.Executable = "/usr/bin/portlight"
	entry, err := autostart.Location()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entry); err == nil {
		t.Fatal("an entry exists before the setting is on")
	}
	if err := store.Update(func(s *settings.Settings) error { s.StartAtLogin = true; return nil }); err != nil {
		t.Fatal(err)
	}
	r.applySettings() // as after Check saw the change
	if _, err := os.Stat(entry); err != nil {
		t.Fatalf("no login entry after StartAtLogin went on: %v", err)
	}
}

// TestLoopNetworkAlertNotFolded: in a scan where many local programs start
// listening, the one reachable from the network keeps a notification of
// its own instead of being folded into the summary.
func TestLoopNetworkAlertNotFolded(t *testing.T) {
	var ls []monitor.Listener
	for i := range 10 {
		l := lst("127.0.0.1", uint16(47001+i), int32(100+i), fmt.Sprintf("churn%d", i))
		l.Exposure = monitor.Loopback
		ls = append(ls, l)
	}
	ls = append(ls, lst("0.0.0.0", 48000, 9, "server"))
	n := &fakeNotifier{}
	r, _ := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(ls...)}}, n, nil, alertAbove40000)
	r.tick(context.Background(), t0)
	r.tick(context.Background(), t0.Add(time.Second))
	for _, m := range n.sent {
		if m.Port == 48000 && m.Title == "server is listening on port 48000/tcp" {
			return
		}
	}
	t.Fatalf("the network alert has no notification of its own: %+v", n.sent)
}
