package settings

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// TestOwnerChangeSetting: the trigger is on by default, in a fresh store and
// in a file written before the key existed, is written out, and can be
// turned off by hand.
func TestOwnerChangeSetting(t *testing.T) {
	if !Defaults().Triggers.OwnerChange {
		t.Fatal("owner_change is off by default")
	}
	for name, file := range map[string]string{
		"no triggers table": "schema = 1\n",
		"older triggers table": "schema = 1\n[triggers]\nunassigned_or_reserved = false\nmalware_port = true\n" +
			"dynamic_from_network = true\nnot_on_allow_list = false\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if p := s.Problem(); p != "" {
				t.Fatalf("problem with an older file: %s", p)
			}
			if !s.Settings().Triggers.OwnerChange || !s.Policy().Rules.Triggers.OwnerChange {
				t.Fatalf("owner_change not defaulted on: %+v", s.Settings().Triggers)
			}
		})
	}

	s, dir := openT(t)
	if err := s.Update(func(c *Settings) error { c.PollInterval = 2 * time.Second; return nil }); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(s.Path())
	if !bytes.Contains(data, []byte("owner_change = true")) {
		t.Fatalf("file lacks owner_change = true:\n%s", data)
	}
	off := bytes.Replace(data, []byte("owner_change = true"), []byte("owner_change = false"), 1)
	if err := os.WriteFile(s.Path(), off, 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Settings().Triggers.OwnerChange || again.Problem() != "" {
		t.Fatalf("owner_change = false not read: %+v, problem %q", again.Settings().Triggers, again.Problem())
	}
}

// TestStoreAssessOwnerChangeFromRealHistory: a history database on disk in
// which /usr/bin/a held 5432/tcp for two hours; /opt/b on that port alerts
// under the store's policy once the history is attached, naming the usual
// owner; /usr/bin/a itself does not.
func TestStoreAssessOwnerChangeFromRealHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	hs, err := history.Open(ctx, history.Options{Path: filepath.Join(dir, history.FileName),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	rec, err := history.StartRecorder(ctx, hs, history.RecorderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const port = 5432 // assigned (postgresql): no other trigger fires
	usual := monitor.Listener{Proto: monitor.TCP, Family: monitor.IPv4, Address: "0.0.0.0", Port: port,
		Exposure: monitor.Network, UID: 1000, Process: monitor.Process{PID: 10, Exe: "/usr/bin/a", Name: "a"}}
	start := time.Now().Add(-3 * time.Hour)
	rec.Record([]monitor.Event{
		{Kind: monitor.Opened, Time: start, Listener: usual},
		{Kind: monitor.Closed, Time: start.Add(2 * time.Hour), Listener: usual},
	})
	if err := rec.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	s, _ := openT(t)
	other := usual
	other.PID, other.Exe, other.Name = 20, "/opt/b", "b"
	if v := s.Assess(other).Verdict; v.Alert {
		t.Fatalf("alert without a history attached: %+v", v)
	}
	s.SetUsualOwners(hs)
	v := s.Assess(other).Verdict
	const want = "5432/tcp is usually /usr/bin/a, now /opt/b"
	if !v.Alert || v.Severity != policy.SeverityHigh || v.UsualOwner != "/usr/bin/a" ||
		!slices.Equal(v.Triggers, []policy.Trigger{policy.TriggerOwnerChange}) || len(v.Reasons) == 0 || v.Reasons[0] != want {
		t.Fatalf("verdict %+v, want a high alert led by %q", v, want)
	}
	if v := s.Assess(usual).Verdict; v.Alert {
		t.Errorf("the usual owner alerts: %+v", v)
	}
	// Turned off in the settings: quiet again.
	if err := s.Update(func(c *Settings) error { c.Triggers.OwnerChange = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if v := s.Assess(other).Verdict; v.Alert {
		t.Errorf("alert with owner_change off: %+v", v)
	}
	s.SetUsualOwners(nil)
	if s.Policy().Owners != nil {
		t.Error("the history is still attached")
	}
}

// BenchmarkAssessWithHistory measures Store.Assess with the history
// attached (one owners query per listener: what the resident pays for each
// new listener, and for every listener once a minute), on a history of 200
// ports with 10 sessions each.
func BenchmarkAssessWithHistory(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	hs, err := history.Open(ctx, history.Options{Path: filepath.Join(dir, history.FileName),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer hs.Close()
	rec, err := history.StartRecorder(ctx, hs, history.RecorderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-48 * time.Hour)
	for port := range uint16(200) {
		for i := range 10 {
			l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 3000 + port, Exposure: monitor.Network,
				Process: monitor.Process{PID: int32(i + 1), Exe: "/usr/bin/a"}}
			at := start.Add(time.Duration(i) * time.Hour)
			rec.Record([]monitor.Event{{Kind: monitor.Opened, Time: at, Listener: l},
				{Kind: monitor.Closed, Time: at.Add(30 * time.Minute), Listener: l}})
		}
	}
	if err := rec.Close(); err != nil {
		b.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	s.SetUsualOwners(hs)
	l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 3100, Exposure: monitor.Network,
		Process: monitor.Process{PID: 99, Exe: "/opt/b"}}
	if !s.Assess(l).Verdict.OwnerChange() {
		b.Fatal("no owner change in the benchmark's history")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.Assess(l)
	}
}
