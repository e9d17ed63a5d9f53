package corestart

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"portlight/history"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// noPurge keeps the recorder's start-up purge out of the tests' way.
var noPurge = history.RecorderOptions{FirstPurge: time.Hour}

func TestOpenWithEverythingWellHasNoWarnings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing", "state") // made on the way
	c := Open(context.Background(), Options{SettingsDir: dir, History: RecordHistory,
		HistoryPath: filepath.Join(dir, history.FileName), Recorder: noPurge})
	defer c.Close()
	if len(c.Warnings) != 0 || c.Settings == nil || c.History == nil || c.Recorder == nil {
		t.Fatalf("core %+v", c)
	}
	if c.Settings.Dir() != dir {
		t.Errorf("settings in %s, want %s", c.Settings.Dir(), dir)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCorruptSettingsRunOnDefaultsWithOneWarning(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.toml")
	if err := os.WriteFile(path, []byte("schema = [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Open(context.Background(), Options{SettingsDir: dir})
	defer c.Close()
	if c.Settings == nil || len(c.Warnings) != 1 {
		t.Fatalf("settings %v, warnings %q", c.Settings, c.Warnings)
	}
	if w := c.Warnings[0].Error(); !strings.Contains(w, path) {
		t.Errorf("warning does not name the file: %s", w)
	}
	if c.History != nil {
		t.Error("a history was opened though none was asked for")
	}
}

// A state folder that cannot be made (its parent is a file) leaves no
// settings store: the defaults judge, and one warning names the folder.
func TestNoStateFolderJudgesWithTheDefaults(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "state")
	c := Open(context.Background(), Options{SettingsDir: dir, History: RecordHistory,
		HistoryPath: filepath.Join(dir, history.FileName), Recorder: noPurge})
	defer c.Close()
	if c.Settings != nil || c.SettingsErr == nil || c.History != nil || c.Recorder != nil {
		t.Fatalf("core %+v", c)
	}
	if len(c.Warnings) != 2 {
		t.Fatalf("warnings %q, want one for the settings and one for the history", c.Warnings)
	}
	for _, w := range c.Warnings {
		if !strings.Contains(w.Error(), dir) {
			t.Errorf("warning does not name %s: %v", dir, w)
		}
	}
	// Judged as with no settings at all.
	l := monitor.Listener{Port: 31337, Proto: monitor.TCP, Exposure: monitor.Network}
	if got, want := c.Assess(l).Verdict, policy.Default().Assess(l).Verdict; !reflect.DeepEqual(got, want) || !got.Alert {
		t.Errorf("verdict without settings %+v, want the default policy's %+v (an alert)", got, want)
	}
}

// A history another process records is still read: its owners wired into
// the policy, with one warning that names the cause.
func TestBusyRecorderKeepsTheHistoryForReading(t *testing.T) {
	dir := t.TempDir()
	opts := Options{SettingsDir: dir, History: RecordHistory, HistoryPath: filepath.Join(dir, history.FileName), Recorder: noPurge}
	first := Open(context.Background(), opts)
	defer first.Close()
	if first.Recorder == nil {
		t.Fatalf("first recorder: %q", first.Warnings)
	}
	second := Open(context.Background(), opts)
	defer second.Close()
	if second.Recorder != nil || second.History == nil || !second.wired {
		t.Fatalf("second core %+v", second)
	}
	if len(second.Warnings) != 1 || !errors.Is(second.Warnings[0], history.ErrRecorderBusy) {
		t.Fatalf("warnings %q, want one for the busy recorder", second.Warnings)
	}
}
