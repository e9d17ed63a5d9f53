package resident

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"portlight/app/notify"
	"portlight/content/notice"
)

func msg(i int) notify.Message {
	return notify.Message{Key: fmt.Sprint(i), Title: fmt.Sprint("alert ", i), Body: "Ports: 1/tcp.\n" + notice.Held(1).Body}
}

// TestDeliveryBudgets: a burst of local notifications, then one per
// notifyEvery, does not take the budget of those reachable from the
// network; the held ones are summed up once, not while paused.
func TestDeliveryBudgets(t *testing.T) {
	n := &fakeNotifier{}
	d := newDelivery(n, quiet, nil)
	ctx := context.Background()
	for i := range notifyBurst + 3 {
		d.send(ctx, msg(i), false, 2, t0)
	}
	if len(n.sent) != notifyBurst || d.held != 3*2 {
		t.Fatalf("local flood: %d shown, %d held; want %d shown, 6 held", len(n.sent), d.held, notifyBurst)
	}
	d.send(ctx, msg(100), true, 1, t0)
	if len(n.sent) != notifyBurst+1 || n.sent[notifyBurst].Key != "100" {
		t.Fatalf("a network alert held back by a local flood: %d shown", len(n.sent))
	}
	d.send(ctx, msg(101), false, 0, t0.Add(notifyEvery))
	if len(n.sent) != notifyBurst+2 {
		t.Fatal("the local budget did not come back after notifyEvery")
	}

	d.summarize(ctx, true, t0)
	if len(n.sent) != notifyBurst+2 {
		t.Fatal("summed up while paused")
	}
	d.summarize(ctx, false, t0)
	last := n.sent[len(n.sent)-1]
	if want := notice.Held(6); last.Title != want.Title || last.Body != want.Body || last.Key != summaryKey || d.held != 0 {
		t.Fatalf("summary %+v, held %d", last, d.held)
	}
	d.send(ctx, msg(102), false, 1, t0.Add(notifyEvery))
	d.summarize(ctx, false, t0.Add(notifyEvery))
	if len(n.sent) != notifyBurst+3 || d.held != 1 {
		t.Fatalf("a second summary within summaryEvery: %d sent, %d held", len(n.sent), d.held)
	}
	d.summarize(ctx, false, t0.Add(summaryEvery))
	if len(n.sent) != notifyBurst+4 || n.sent[len(n.sent)-1].Title != "1 more alerts" {
		t.Fatalf("no summary after summaryEvery: %+v", n.sent[len(n.sent)-1])
	}
}

// TestDeliveryRetry: without a daemon notifications wait, bounded, for a
// retry every retryEvery; they are shown in order once one exists, and a
// retry that fails again keeps the rest in order.
func TestDeliveryRetry(t *testing.T) {
	n := &fakeNotifier{down: true}
	d := newDelivery(n, quiet, nil)
	ctx := context.Background()
	for i := range maxUnsent + 5 {
		d.show(ctx, msg(i), t0)
	}
	if d.kept() != maxUnsent || d.unsent[0].Key != "5" {
		t.Fatalf("kept %d, first %q; want the newest %d", d.kept(), d.unsent[0].Key, maxUnsent)
	}
	if d.retryDue(t0.Add(retryEvery - time.Second)) {
		t.Error("retry due before retryEvery")
	}
	if !d.retryDue(t0.Add(retryEvery)) {
		t.Fatal("retry not due after retryEvery")
	}
	d.retry(ctx, t0.Add(retryEvery))
	if d.kept() != maxUnsent || d.retryDue(t0.Add(retryEvery+time.Second)) {
		t.Fatalf("a failed retry: kept %d", d.kept())
	}
	n.down = false
	d.retry(ctx, t0.Add(2*retryEvery))
	if d.kept() != 0 || len(n.sent) != maxUnsent || n.sent[0].Key != "5" || n.sent[maxUnsent-1].Key != fmt.Sprint(maxUnsent+4) {
		t.Fatalf("after the retry: kept %d, sent %d", d.kept(), len(n.sent))
	}
}

// failAfter is a notifier that shows ok notifications, then fails.
type failAfter struct {
	fakeNotifier
	ok int
}

func (f *failAfter) Notify(ctx context.Context, m notify.Message) error {
	if len(f.sent) == f.ok {
		return notify.ErrUnavailable
	}
	return f.fakeNotifier.Notify(ctx, m)
}

func TestDeliveryRetryStopsAtFailure(t *testing.T) {
	n := &failAfter{ok: 2}
	d := newDelivery(n, quiet, nil)
	d.unsent = []notify.Message{msg(1), msg(2), msg(3), msg(4)}
	d.retry(context.Background(), t0)
	if len(n.sent) != 2 || d.kept() != 2 || d.unsent[0].Key != "3" || d.unsent[1].Key != "4" {
		t.Fatalf("sent %d, kept %+v; want 1 and 2 sent, 3 and 4 kept", len(n.sent), d.unsent)
	}
}

// TestDeliveryTrayless: without a tray a notification is worded for the
// window as it is shown; one kept for a retry keeps its words, so that it
// is worded for the desktop as it is when shown.
func TestDeliveryTrayless(t *testing.T) {
	n := &fakeNotifier{down: true}
	noTray := true
	d := newDelivery(n, quiet, func() bool { return noTray })
	ctx := context.Background()
	d.show(ctx, msg(1), t0)
	if d.kept() != 1 || !strings.Contains(d.unsent[0].Body, "tray") {
		t.Fatalf("kept %+v", d.unsent)
	}
	n.down = false
	d.retry(ctx, t0)
	if got := n.sent[0]; strings.Contains(got.Body, "tray") || got.OpenLabel != notice.OpenLabel {
		t.Errorf("shown without a tray: %+v", got)
	}
	noTray = false
	d.show(ctx, msg(2), t0)
	if got := n.sent[1]; !strings.Contains(got.Body, "tray") || got.OpenLabel != "" {
		t.Errorf("shown with a tray: %+v", got)
	}
}
