package resident

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"portlight/app/notify"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// fakeScanner returns the snapshots it is given, one per Scan.
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

// fakeView records the last model.
type fakeView struct{ last MenuModel }

func (f *fakeView) Apply(m MenuModel) { f.last = m }

func newTestResident(sc Scanner, n notify.Notifier) (*resident, *fakeView) {
	v := &fakeView{}
	r := &resident{
		opts: Options{Scanner: sc, Diff: monitor.Diff, Interval: time.Second,
			Assess: func(l monitor.Listener) policy.Assessment {
				return policy.Assessment{Listener: l, Verdict: policy.Verdict{Alert: l.Port > 40000}}
			}},
		log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		alerts:  NewAlertLog(maxAlerts),
		actions: make(chan action, 16),
		limits:  map[monitor.Exposure]*limiter{}, summaryLimit: newLimiter(1, 30*time.Second),
		notifier: n, view: v,
	}
	return r, v
}

func snap(ls ...monitor.Listener) monitor.Snapshot { return monitor.Snapshot{Listeners: ls} }

func TestLoopNotifiesOnceAndMarksRead(t *testing.T) {
	a := lst("0.0.0.0", 47001, 10, "python3")
	ok := lst("0.0.0.0", 22, 1, "sshd")
	sc := &fakeScanner{snaps: []monitor.Snapshot{snap(ok), snap(ok, a), snap(ok, a), snap(ok, a)}}
	n := &fakeNotifier{}
	r, v := newTestResident(sc, n)
	ctx := context.Background()
	t0 := time.Unix(1000, 0)
	for i := range 4 {
		r.tick(ctx, t0.Add(time.Duration(i)*time.Second))
		r.render(t0)
	}
	if len(n.sent) != 1 || n.sent[0].Port != 47001 {
		t.Fatalf("sent %+v, want one notification for 47001", n.sent)
	}
	if !v.last.Unread || len(v.last.Recent) != 1 {
		t.Fatalf("model %+v", v.last)
	}
	r.handle(ctx, action{kind: actOpenAlert, id: n.sent[0].Key, port: 47001, proto: "tcp"}, t0)
	r.render(t0)
	if v.last.Unread {
		t.Error("still unread after the click")
	}
}

func TestLoopKeepsAlertWithoutDaemon(t *testing.T) {
	a := lst("0.0.0.0", 47001, 10, "python3")
	n := &fakeNotifier{down: true}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(a)}}, n)
	ctx := context.Background()
	t0 := time.Unix(1000, 0)
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
	if len(n.sent) != 1 {
		t.Fatalf("sent %d after the daemon appeared, want 1", len(n.sent))
	}
}

func TestLoopRetriesPeriodically(t *testing.T) {
	a := lst("0.0.0.0", 47001, 10, "python3")
	n := &fakeNotifier{down: true}
	r, _ := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(a)}}, n)
	ctx := context.Background()
	t0 := time.Unix(1000, 0)
	r.tick(ctx, t0)
	n.down = false
	r.tick(ctx, t0.Add(retryEvery/2))
	if len(n.sent) != 0 {
		t.Fatal("retried before retryEvery")
	}
	r.tick(ctx, t0.Add(retryEvery+time.Second))
	if len(n.sent) != 1 {
		t.Fatalf("sent %d after retryEvery, want 1", len(n.sent))
	}
}

func TestLoopPauseAndFlood(t *testing.T) {
	var ls []monitor.Listener
	for i := range 20 {
		l := lst("127.0.0.1", uint16(47001+i), int32(100+i), "churn")
		l.Exposure = monitor.Loopback
		ls = append(ls, l)
	}
	net := lst("0.0.0.0", 48000, 9, "server")
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(ls...), snap(append(ls, net)...)}}, n)
	ctx := context.Background()
	t0 := time.Unix(1000, 0)
	r.tick(ctx, t0)
	// The burst, then one summary for the 15 held back.
	if len(n.sent) != notifyBurst+1 {
		t.Fatalf("20 local alerts sent %d notifications, want the burst of %d and a summary", len(n.sent), notifyBurst)
	}
	if last := n.sent[len(n.sent)-1]; last.Key != summaryKey || last.Title != "15 more listeners need a look" {
		t.Fatalf("no summary; last sent %+v", last)
	}
	// A network-reachable alert is not held back by the local flood.
	r.tick(ctx, t0.Add(time.Second))
	if last := n.sent[len(n.sent)-1]; last.Port != 48000 || len(n.sent) != notifyBurst+2 {
		t.Fatalf("network alert held back; sent %d, last %+v", len(n.sent), last)
	}
	r.tick(ctx, t0.Add(2*time.Second))
	r.render(t0)
	if got := v.last.Header; got != "Portlight — 21 listeners · 21 alerting · 21 unread alerts" {
		t.Errorf("header %q", got)
	}

	// Paused: a new alert is listed but not notified.
	r.handle(ctx, action{kind: actPauseHour}, t0.Add(3*time.Second))
	before := len(n.sent)
	r.opts.Scanner = &fakeScanner{snaps: []monitor.Snapshot{snap(append(ls, net, lst("0.0.0.0", 48001, 8, "new"))...)}}
	r.tick(ctx, t0.Add(4*time.Second))
	r.render(t0.Add(4 * time.Second))
	if len(n.sent) != before {
		t.Error("notified while paused")
	}
	if !v.last.Paused || v.last.Pause != PauseLabel(t0.Add(3*time.Second+time.Hour), false) {
		t.Errorf("pause not shown: %q", v.last.Pause)
	}
	r.handle(ctx, action{kind: actResume}, t0.Add(5*time.Second))
	r.render(t0.Add(5 * time.Second))
	if v.last.Paused {
		t.Error("still paused after resume")
	}
}

func TestLoopScanError(t *testing.T) {
	r, v := newTestResident(&fakeScanner{err: errors.New("netlink: boom")}, &fakeNotifier{})
	r.tick(context.Background(), time.Unix(1000, 0))
	r.render(time.Unix(1000, 0))
	if v.last.NoScan == "" {
		t.Fatal("scan failure not shown in the tray")
	}
}
