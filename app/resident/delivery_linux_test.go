//go:build linux

package resident

import (
	"context"
	"slices"
	"strings"
	"testing"

	"portlight/app/notify"
	"portlight/app/notify/notifytest"
	"portlight/content/notice"
)

// TestDeliveryThroughDaemon: a notification shown while the session has no
// notification daemon waits, and reaches the daemon that appears later,
// worded for a desktop without a tray, with the action that opens
// Portlight.
func TestDeliveryThroughDaemon(t *testing.T) {
	addr := notifytest.Bus(t)
	n := notify.NewDBus(addr, "", nil, quiet)
	defer n.Close()
	d := newDelivery(n, quiet, func() bool { return true })
	ctx := context.Background()
	d.send(ctx, msg(1), true, 1, t0)
	if d.kept() != 1 || !d.failing {
		t.Fatalf("no daemon: kept %d, failing %v", d.kept(), d.failing)
	}
	srv := notifytest.Start(t, addr, []string{"actions", "body"})
	d.retry(ctx, t0.Add(retryEvery))
	if d.kept() != 0 {
		t.Fatalf("still kept %d after the daemon appeared", d.kept())
	}
	call := srv.Last(t)
	if call.Summary != "alert 1" || strings.Contains(call.Body, "tray") || !slices.Contains(call.Actions, notice.OpenLabel) {
		t.Errorf("the daemon got %+v", call)
	}
}
