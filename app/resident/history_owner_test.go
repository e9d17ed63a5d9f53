package resident

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
	"portlight/settings"
)

// TestLoopOwnerChangeFromHistory runs the loop on a real settings store and
// a real history file in which /usr/bin/a held 5432/tcp for two hours: when
// /opt/b takes the port, the notification names the usual owner; "Allow
// app…" on it opens the explainer, and allowing /opt/b on that port there
// silences it.
func TestLoopOwnerChangeFromHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, history.FileName)

	// An earlier run's history: /usr/bin/a on 5432/tcp for two hours.
	now := seedUsualOwner(t, path)
	store, err := settings.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := lst("0.0.0.0", 5432, 20, "b")
	b.Exe = "/opt/b"
	n := &fakeNotifier{}
	r, v := newTestResident(&fakeScanner{snaps: []monitor.Snapshot{snap(), snap(b)}}, n, store, nil)
	h := openHistory(ctx, quiet, path, noPurge, store)
	if h == nil {
		t.Fatal("the history did not open")
	}
	r.attachHistory(h)
	defer r.closeHistory()

	r.tick(ctx, now)
	r.tick(ctx, now.Add(time.Second))
	if n.count(5432) != 1 {
		t.Fatalf("sent %+v, want one notification for 5432 (verdicts %+v)", n.sent, r.current)
	}
	m := n.sent[len(n.sent)-1]
	if want := "5432/tcp is usually /usr/bin/a, now /opt/b"; !strings.Contains(m.Body, want) {
		t.Fatalf("notification %q / %q does not say %q", m.Title, m.Body, want)
	}
	t.Logf("notification: %q\n%s", m.Title, m.Body)
	if !m.CanAllow {
		t.Fatal("Allow app not offered")
	}

	// "Allow app…" opens the explainer on /opt/b; the user confirms there
	// with "Allow this app on this port".
	r.handle(ctx, action{kind: actAllow, id: m.Key, port: 5432, proto: "tcp"}, now.Add(2*time.Second))
	if es := store.Settings().Allow; len(es) != 0 {
		t.Fatalf("allow-list %+v written from a notification", es)
	}
	if len(v.windows) == 0 || v.windows[len(v.windows)-1].PID != 20 {
		t.Fatalf("windows %+v, want the explainer on pid 20", v.windows)
	}
	if err := (settings.Allower{Store: windowStore(t, dir)}).AllowAppOnPort("/opt/b", 5432, "tcp"); err != nil {
		t.Fatal(err)
	}
	r.tick(ctx, now.Add(3*time.Second)) // the resident picks the change up
	es := store.Settings().Allow
	if len(es) != 1 || es[0].Path != "/opt/b" || es[0].Scope() != "port 5432/tcp" {
		t.Fatalf("allow-list %+v, want /opt/b on port 5432", es)
	}
	if v := r.current[0].Verdict; v.Alert || !v.Allowed {
		t.Errorf("still alerting after Allow app: %+v", v)
	}

	// Without the history attached, the same listener is quiet: it is the
	// history that raised the alert.
	r.closeHistory()
	r.verdicts, r.current = nil, nil
	if err := store.Update(func(s *settings.Settings) error { s.Allow = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	r.tick(ctx, now.Add(4*time.Second))
	if v := r.current[0].Verdict; v.Alert || v.OwnerChange() {
		t.Errorf("owner change without a history: %+v", v)
	}
}
