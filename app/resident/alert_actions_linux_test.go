//go:build linux

package resident

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/app/notify"
	"portlight/app/notify/notifytest"
	"portlight/history"
	"portlight/monitor"
	"portlight/settings"
)

// TestAlertActionsReachHistory follows what the user does with three
// notifications from the notification daemon to the history file: the
// resident notifies through the real D-Bus notifier (on a private bus with
// the in-test daemon), the daemon reports a click, a dismissal and an
// "Allow app", the resident serves them, and a fresh store opened on the
// same file shows each alert's action: opened, dismissed, allowed. The
// "closed by the user" that follows a click is not taken for a dismissal.
func TestAlertActionsReachHistory(t *testing.T) {
	addr := notifytest.Bus(t)
	srv := notifytest.Start(t, addr, []string{"actions", "body"})
	ctx := context.Background()
	dir := t.TempDir()
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, history.FileName)
	ok := lst("0.0.0.0", 22, 1, "sshd")
	a, b, c := lst("0.0.0.0", 47001, 11, "a"), lst("0.0.0.0", 47002, 12, "b"), lst("0.0.0.0", 47003, 13, "c")
	sc := &fakeScanner{snaps: []monitor.Snapshot{snap(ok), snap(ok, a), snap(ok, a, b), snap(ok, a, b, c)}}
	r, _ := newTestResident(sc, nil, store, alertAbove40000)
	r.delivery.notifier = notify.NewDBus(addr, "", r.onClick(ctx), quiet)
	defer r.delivery.notifier.Close()
	h := openHistory(ctx, quiet, path, noPurge, store)
	if h == nil {
		t.Fatal("the history did not open")
	}
	r.attachHistory(h)
	defer r.closeHistory()

	start := time.Now().Truncate(time.Second)
	for i := range 4 {
		r.tick(ctx, start.Add(time.Duration(i)*time.Second))
	}
	ids := map[uint16]uint32{}
	for _, call := range srv.Calls() {
		for _, port := range []uint16{47001, 47002, 47003} {
			if strings.Contains(call.Summary, fmt.Sprintf("port %d/tcp", port)) {
				ids[port] = call.ID
			}
		}
	}
	if len(ids) != 3 {
		t.Fatalf("notifications %+v, want one for each of 47001-47003", srv.Calls())
	}

	// next serves the next action the notifier reported.
	next := func(want actionKind) action {
		t.Helper()
		select {
		case act := <-r.actions:
			if act.kind != want {
				t.Fatalf("action %+v, want kind %d", act, want)
			}
			r.handle(ctx, act, time.Now())
			return act
		case <-time.After(5 * time.Second):
			t.Fatalf("no action of kind %d reported within 5 s", want)
		}
		return action{}
	}
	srv.Invoke(t, ids[47001], notify.ActionDefault)
	srv.Close(t, ids[47001], notifytest.ReasonDismissed) // the daemon closes it after the click
	next(actOpenAlert)
	srv.Close(t, ids[47002], notifytest.ReasonDismissed)
	next(actDismissed)
	srv.Invoke(t, ids[47003], notify.ActionAllow)
	next(actAllow)
	// A marker: had the close after the click been taken for a dismissal,
	// it would come before this.
	srv.Invoke(t, ids[47003], notify.ActionInvestigate)
	if act := next(actOpenAlert); act.port != 47003 {
		t.Fatalf("marker %+v, want the explainer of 47003", act)
	}
	// "Allow app…" wrote nothing: the user confirms in the explainer,
	// which another process runs; the resident records the action when
	// its settings reload shows the program allowed.
	if es := store.Settings().Allow; len(es) != 0 {
		t.Fatalf("allow-list %+v written from a notification", es)
	}
	if err := (settings.Allower{Store: windowStore(t, dir)}).AllowAppOnPort("/usr/bin/c", 47003, "tcp"); err != nil {
		t.Fatal(err)
	}
	r.reloadSettings(time.Now())
	r.closeHistory() // flushes the queue and closes the file

	st, err := history.Open(ctx, history.Options{Path: path, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// 47003 was allowed, then opened again: the stronger action stays.
	for port, want := range map[uint16]string{47001: "opened", 47002: "dismissed", 47003: "allowed"} {
		lines, err := st.Events(ctx, history.Query{Port: port})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lines {
			if l.Event == history.EventAlert {
				got = append(got, l.Action)
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%d/tcp: alert actions %q, want [%q]", port, got, want)
		}
	}
}
