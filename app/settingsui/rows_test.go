package settingsui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"portlight/monitor"
	"portlight/monitor/policy"
)

func TestRowCells(t *testing.T) {
	e := policy.AllowEntry{Path: "/usr/bin/syncthing", Ports: []uint16{8384}, Proto: monitor.TCP,
		SHA256: strings.Repeat("0f", 32), Added: time.Date(2026, 11, 25, 12, 0, 0, 0, time.Local), Note: "two\nlines"}
	want := []string{"syncthing", "/usr/bin/syncthing", "port 8384/tcp", "SHA-256 0f0f0f0f0f0f…", "2026-11-25", "two lines"}
	if got := rowCells(e); !slices.Equal(got, want) {
		t.Fatalf("rowCells = %q, want %q", got, want)
	}
	bare := rowCells(policy.AllowEntry{Path: "/bin/sh", Args: "*x*"})
	if want := []string{"sh", "/bin/sh", `any port, args "*x*"`, "—", "—", ""}; !slices.Equal(bare, want) {
		t.Fatalf("rowCells bare = %q, want %q", bare, want)
	}
	if len(bare) != len(columns) {
		t.Fatalf("%d cells for %d columns", len(bare), len(columns))
	}
}

func TestParseAndFormatPorts(t *testing.T) {
	for in, want := range map[string][]uint16{"": nil, " ": nil, "80": {80}, "80, 443,8080": {80, 443, 8080}, "1 2": {1, 2}} {
		got, err := parsePorts(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parsePorts(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"0", "65536", "http", "80,-1"} {
		if _, err := parsePorts(bad); err == nil {
			t.Errorf("parsePorts(%q) accepted", bad)
		}
	}
	if got := formatPorts([]uint16{80, 443}); got != "80, 443" {
		t.Errorf("formatPorts = %q", got)
	}
}

func TestChoices(t *testing.T) {
	for _, p := range []monitor.Proto{"", monitor.TCP, monitor.UDP} {
		if protoOf(protoChoice(p)) != p {
			t.Errorf("proto %q does not round-trip", p)
		}
	}
	for d, want := range map[time.Duration]string{500 * time.Millisecond: "every 500 ms", time.Second: "every 1 s", 2500 * time.Millisecond: "every 2.5 s"} {
		if got := pollLabel(d); got != want {
			t.Errorf("pollLabel(%v) = %q, want %q", d, got, want)
		}
	}
	now := time.Date(2026, 11, 25, 21, 0, 0, 0, time.Local)
	if got := pauseStatus(policy.Pause{}, now); got != "Alerts are on." {
		t.Error(got)
	}
	if got := pauseStatus(policy.Pause{Until: now.Add(time.Hour)}, now); got != "Alerts are paused until 22:00 on Nov 25." {
		t.Error(got)
	}
	if got := pauseStatus(policy.Pause{UntilResumed: true}, now); !strings.Contains(got, "until you resume") {
		t.Error(got)
	}
}

func TestBuildEntry(t *testing.T) {
	now := time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)
	resolve := func(p string) (string, error) { return "/resolved" + p, nil }
	hashes := 0
	hash := func(string) (string, error) { hashes++; return strings.Repeat("1", 64), nil }
	form := func(path, ports, args string, pin bool) *entryForm {
		f := &entryForm{path: widget.NewEntry(), ports: widget.NewEntry(), args: widget.NewEntry(), note: widget.NewEntry(),
			proto: widget.NewSelect([]string{protoAny, protoTCP, protoUDP}, nil), pin: widget.NewCheck("", nil)}
		f.path.SetText(path)
		f.ports.SetText(ports)
		f.args.SetText(args)
		f.proto.SetSelected(protoTCP)
		f.pin.SetChecked(pin)
		return f
	}
	e, err := buildEntry(form(" /usr/bin/x ", "80, 81", "", true), nil, now, resolve, hash)
	if err != nil || e.Path != "/resolved/usr/bin/x" || !slices.Equal(e.Ports, []uint16{80, 81}) || e.Proto != monitor.TCP ||
		e.SHA256 != strings.Repeat("1", 64) || !e.Added.Equal(now) || hashes != 1 {
		t.Fatalf("new entry: %+v, %v (hashes %d)", e, err, hashes)
	}
	// Editing keeps the old pin and the date it was added.
	old := policy.AllowEntry{Path: "/resolved/usr/bin/x", SHA256: strings.Repeat("2", 64), Added: now.Add(-time.Hour)}
	e, err = buildEntry(form("/usr/bin/x", "", "", true), &old, now, resolve, hash)
	if err != nil || e.SHA256 != old.SHA256 || !e.Added.Equal(old.Added) || hashes != 1 {
		t.Fatalf("edit: %+v, %v (hashes %d)", e, err, hashes)
	}
	// Unchecking removes the pin; a new path is hashed anew.
	if e, _ = buildEntry(form("/usr/bin/x", "", "", false), &old, now, resolve, hash); e.SHA256 != "" {
		t.Fatalf("unpinned: %+v", e)
	}
	if e, _ = buildEntry(form("/usr/bin/y", "", "", true), &old, now, resolve, hash); hashes != 2 {
		t.Fatalf("new path not hashed: %+v", e)
	}
	if _, err := buildEntry(form("/usr/bin/python3", "", "", false), nil, now, resolve, hash); err == nil || !strings.Contains(err.Error(), "every script") {
		t.Fatalf("interpreter without args: %v", err)
	}
	if _, err := buildEntry(form("/usr/bin/python3", "", "*", false), nil, now, resolve, hash); err != nil {
		t.Fatalf("interpreter with '*' on purpose: %v", err)
	}
	if _, err := buildEntry(form("/usr/bin/x", "0", "", false), nil, now, resolve, hash); err == nil {
		t.Fatal("port 0 accepted")
	}
}

func TestSnoozeStatus(t *testing.T) {
	now := time.Date(2026, 11, 25, 21, 0, 0, 0, time.Local)
	got := snoozeStatus(map[string]time.Time{"/b": now.Add(time.Hour), "/a": now.Add(2 * time.Hour), "/old": now.Add(-time.Hour)}, now)
	if got != "Snoozed: /a until 23:00 on Nov 25; /b until 22:00 on Nov 25." {
		t.Fatal(got)
	}
	if got := snoozeStatus(nil, now); got != "No app is snoozed." {
		t.Fatal(got)
	}
}
