package settings

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// openT opens a store in a fresh folder.
func openT(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "home")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// files lists a folder's file names.
func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

var sample = policy.AllowEntry{
	Path: "/usr/bin/syncthing", Ports: []uint16{8384, 22000}, Proto: monitor.TCP,
	SHA256: strings.Repeat("ab", 32), Package: "syncthing", Script: "/srv/sync/serve.py", Argv: []string{"--gui", "0.0.0.0:8384"}, Note: `file "sync"`,
	Added: time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC),
}

func TestMissingFileIsDefaultsAndNoProblem(t *testing.T) {
	s, dir := openT(t)
	if got := s.Settings(); !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("settings %+v, want defaults", got)
	}
	if s.Problem() != "" {
		t.Fatalf("problem %q", s.Problem())
	}
	if len(files(t, dir)) != 0 {
		t.Fatalf("Open wrote files: %v", files(t, dir))
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}

func TestUpdateWritesAtomicallyAndRoundTrips(t *testing.T) {
	s, dir := openT(t)
	// A pause and a snooze that end in the future: a write drops those that
	// ended, so fixed dates would stop testing them once the clock passed.
	now := time.Now().UTC().Truncate(time.Second)
	pauseUntil, snoozeUntil := now.Add(time.Hour), now.Add(10*time.Hour)
	err := s.Update(func(c *Settings) error {
		c.PollInterval = 2 * time.Second
		c.SoundOnAlert = true
		c.Triggers.NotOnAllowList = true
		c.Pause.Until = pauseUntil
		c.Snooze = map[string]time.Time{"/usr/bin/noisy": snoozeUntil}
		c.AllowEntry(sample)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); !reflect.DeepEqual(got, []string{WrittenFileName, LockFileName, FileName}) {
		t.Fatalf("files after write: %v (a temp file left?)", got)
	}
	fi, err := os.Stat(s.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	data, _ := os.ReadFile(s.Path())
	for _, want := range []string{"schema = 1", `poll_interval = "2s"`, "[[allow]]", `path = "/usr/bin/syncthing"`, "ports = [8384, 22000]", "not_on_allow_list = true"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("file lacks %q:\n%s", want, data)
		}
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normal(again.Settings()), normal(s.Settings())) || again.Problem() != "" {
		t.Fatalf("round trip:\n got %+v\nwant %+v\nproblem %q", again.Settings(), s.Settings(), again.Problem())
	}
	if got := again.Settings().Allow; len(got) != 1 || got[0].Note != sample.Note || got[0].SHA256 != sample.SHA256 {
		t.Fatalf("allow-list after round trip: %+v", got)
	}
	if got := again.Settings(); !got.Pause.Until.Equal(pauseUntil) || !got.Snooze["/usr/bin/noisy"].Equal(snoozeUntil) {
		t.Fatalf("pause and snooze after round trip: %+v, %v; want %v, %v", got.Pause, got.Snooze, pauseUntil, snoozeUntil)
	}
}

// normal makes times comparable with DeepEqual (locations differ after a
// round trip through TOML).
func normal(s Settings) Settings {
	s = s.Clone()
	s.Pause.Until = s.Pause.Until.UTC()
	for k, v := range s.Snooze {
		s.Snooze[k] = v.UTC()
	}
	for i := range s.Allow {
		s.Allow[i].Added = s.Allow[i].Added.UTC()
	}
	return s
}

func TestBadFilesAreKeptAndDefaultsUsed(t *testing.T) {
	valid := "schema = 1\npoll_interval = \"3s\"\n\n[[allow]]\npath = \"/usr/bin/x\"\n"
	tests := []struct {
		name, content, kind, problem string
	}{
		{"corrupt", "schema = 1\npoll_interval = [[[\n", "corrupt", "was not used"},
		{"binary junk", "\x00\x01\x02\xff\xfe", "corrupt", "was not used"},
		{"empty", "", "corrupt", "the file is empty"},
		{"blank", "\n  \n", "corrupt", "the file is empty"},
		{"truncated in a value", valid[:len("schema = 1\npoll_interval = \"3")], "corrupt", "was not used"},
		{"truncated in a table header", valid[:len("schema = 1\npoll_interval = \"3s\"\n\n[[all")], "corrupt", "was not used"},
		{"truncated before the schema", "poll_interval = \"3s\"\n", "corrupt", "no schema version"},
		{"future version", "schema = 7\npoll_interval = \"3s\"\nnew_thing = true\n", "future", "newer Portlight (schema 7"},
		{"negative version", "schema = -1\n", "corrupt", "not a version"},
		{"wrong types", "schema = 1\nsound_on_alert = \"yes\"\n", "corrupt", "was not used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Settings(), Defaults()) {
				t.Errorf("settings %+v, want defaults", s.Settings())
			}
			if p := s.Problem(); !strings.Contains(p, tt.problem) || !strings.Contains(p, "defaults") {
				t.Errorf("problem %q lacks %q", p, tt.problem)
			}
			backups, _ := filepath.Glob(path + "." + tt.kind + "-*")
			if len(backups) != 1 {
				t.Fatalf("backups %v, want one %s backup among %v", backups, tt.kind, files(t, dir))
			}
			if b, _ := os.ReadFile(backups[0]); string(b) != tt.content {
				t.Errorf("backup holds %q, want %q", b, tt.content)
			}
			if fi, _ := os.Stat(backups[0]); fi.Mode().Perm() != 0o600 {
				t.Errorf("backup mode %v", fi.Mode().Perm())
			}
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Errorf("the bad file itself was changed: %q", b)
			}
			// Nothing changed: checking again makes no second backup.
			s.Check()
			if again, _ := filepath.Glob(path + ".*-*"); len(again) != 1 {
				t.Errorf("backups after Check: %v", again)
			}
			// A change by the user writes over it (the backup is there) and
			// clears the problem.
			if err := s.Update(func(c *Settings) error { c.SoundOnAlert = true; return nil }); err != nil {
				t.Fatal(err)
			}
			if s.Problem() != "" {
				t.Errorf("problem after a good write: %q", s.Problem())
			}
			if s2, _ := Open(dir); !s2.Settings().SoundOnAlert || s2.Problem() != "" {
				t.Errorf("after the write: %+v %q", s2.Settings(), s2.Problem())
			}
		})
	}
}

func TestInvalidValuesAreDefaultedAndBackedUpBeforeTheNextWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	content := "schema = 1\npoll_interval = \"5ms\"\ncolour = \"blue\"\n\n[[allow]]\npath = \"relative\"\n\n[[allow]]\npath = \"/usr/bin/ok\"\nproto = \"tcp\"\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Settings()
	if got.PollInterval != DefaultPollInterval || len(got.Allow) != 1 || got.Allow[0].Path != "/usr/bin/ok" {
		t.Fatalf("settings %+v", got)
	}
	for _, want := range []string{"poll_interval 5ms", "colour", `"relative"`} {
		if !strings.Contains(s.Problem(), want) {
			t.Errorf("problem %q lacks %q", s.Problem(), want)
		}
	}
	if b, _ := filepath.Glob(path + ".*-*"); len(b) != 0 {
		t.Fatalf("backup before any write: %v", b)
	}
	if err := s.Update(func(c *Settings) error { c.SoundOnAlert = true; return nil }); err != nil {
		t.Fatal(err)
	}
	b, _ := filepath.Glob(path + ".before-fix-*")
	if len(b) != 1 {
		t.Fatalf("no backup before writing over a partly used file: %v", files(t, dir))
	}
	if data, _ := os.ReadFile(b[0]); string(data) != content {
		t.Fatalf("backup %q", data)
	}
}

func TestUnreadableFileIsNeverWrittenOver(t *testing.T) {
	dir := t.TempDir()
	// A folder where the file should be: stat works, reading fails, as with
	// a file of another owner, which cannot be made as root.
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Problem(), "Cannot read") {
		t.Fatalf("problem %q", s.Problem())
	}
	if err := s.Update(func(c *Settings) error { return nil }); err == nil || !strings.Contains(err.Error(), "not saving") {
		t.Fatalf("Update over an unreadable file: %v", err)
	}
}

func TestUpdateValidates(t *testing.T) {
	s, _ := openT(t)
	if err := s.Update(func(c *Settings) error { c.PollInterval = time.Millisecond; return nil }); err == nil {
		t.Fatal("a 1 ms poll interval was accepted")
	}
	if err := s.Update(func(c *Settings) error { c.AllowEntry(policy.AllowEntry{Path: "x"}); return nil }); err == nil {
		t.Fatal("a relative path was accepted")
	}
	if _, err := os.Stat(s.Path()); !os.IsNotExist(err) {
		t.Fatalf("a rejected update wrote the file: %v", err)
	}
}

func TestChangeByAnotherStoreIsSeenWithinATick(t *testing.T) {
	s1, dir := openT(t)
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ch, cancel := s1.Subscribe()
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	const tick = 50 * time.Millisecond
	go s1.Watch(ctx, tick)

	start := time.Now()
	if err := s2.Update(func(c *Settings) error { c.AllowEntry(sample); return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ch:
		if len(got.Allow) != 1 || got.Allow[0].Path != sample.Path {
			t.Fatalf("subscriber got %+v", got)
		}
		t.Logf("seen after %v (tick %v)", time.Since(start), tick)
	case <-time.After(10 * time.Second): // generous: the log above shows the real delay
		t.Fatal("a change by another store was not seen")
	}

	// A hand edit in place (no rename) is seen too.
	data, _ := os.ReadFile(s1.Path())
	data = bytes.Replace(data, []byte("sound_on_alert = false"), []byte("sound_on_alert = true "), 1)
	f, err := os.OpenFile(s1.Path(), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("# edited\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Truncating and writing are separate steps: a tick in between reads an
	// empty file and rightly notifies the defaults. What counts is that the
	// edit arrives, so values before it are passed over until a deadline.
	deadline := time.After(10 * time.Second)
	for seen := false; !seen; {
		select {
		case got := <-ch:
			seen = got.SoundOnAlert
			if seen && (len(got.Allow) != 1 || got.Allow[0].Path != sample.Path) {
				t.Fatalf("hand edit lost the allow-list: %+v", got)
			}
		case <-deadline:
			t.Fatalf("a hand edit was not seen; settings now %+v, problem %q", s1.Settings(), s1.Problem())
		}
	}
	// Nothing changed: Check is quiet. (Had a tick read the file between the
	// two writes, it read the same settings, so nothing is left to notify.)
	if s1.Check() {
		t.Fatal("Check reported a change on an unchanged file")
	}
}

func TestUpdatesFromTwoStoresDoNotLoseEachOther(t *testing.T) {
	s1, dir := openT(t)
	s2, _ := Open(dir)
	for i := range 10 {
		s := s1
		if i%2 == 1 {
			s = s2
		}
		p := filepath.Join("/opt", string(rune('a'+i)))
		if err := s.Update(func(c *Settings) error { c.AllowEntry(policy.AllowEntry{Path: p}); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	s3, _ := Open(dir)
	if n := len(s3.Settings().Allow); n != 10 {
		t.Fatalf("%d entries, want 10", n)
	}
}

func TestOpenDefaultHonoursPortlightHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("PORTLIGHT_HOME", home)
	// Configuring a run before it starts: write the file, then open.
	if err := os.WriteFile(filepath.Join(home, FileName), []byte("schema = 1\n[triggers]\nmalware_port = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenDefault()
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != home {
		t.Fatalf("OpenDefault's folder = %q, want %q", s.Dir(), home)
	}
	got := s.Settings()
	if got.Triggers.MalwarePort || !got.Triggers.UnassignedOrReserved || got.PollInterval != time.Second || s.Problem() != "" {
		t.Fatalf("settings from PORTLIGHT_HOME: %+v, problem %q", got, s.Problem())
	}
}

func TestSettingsHelpers(t *testing.T) {
	var s Settings
	if s.AllowEntry(policy.AllowEntry{Path: "/a"}) || s.AllowEntry(policy.AllowEntry{Path: "/a", Args: "*x*"}) {
		t.Fatal("new entries reported as replaced")
	}
	if !s.AllowEntry(policy.AllowEntry{Path: "/a", Note: "n"}) || len(s.Allow) != 2 || s.Allow[0].Note != "n" {
		t.Fatalf("replace: %+v", s.Allow)
	}
	c := s.Clone()
	c.Allow[0].Note = "changed"
	if s.Allow[0].Note != "n" {
		t.Fatal("Clone shares the allow-list")
	}
	if n := s.Disallow("/a"); n != 2 || len(s.Allow) != 0 {
		t.Fatalf("Disallow removed %d, left %+v", n, s.Allow)
	}
	d := Defaults()
	if r := d.Rules(); !r.Triggers.UnassignedOrReserved || !r.IgnoreEphemeralUDP || r.Triggers.NotOnAllowList {
		t.Fatalf("default rules %+v", r)
	}
}

func TestStateRoundTripAndCorruption(t *testing.T) {
	dir := t.TempDir()
	st, err := LoadState(dir)
	if err != nil || st.BaselineTaken {
		t.Fatalf("missing state: %+v, %v", st, err)
	}
	want := policy.GateState{Version: 1, BaselineTaken: true, Known: map[string]policy.KnownPort{
		"/a|1/tcp": {Identity: "/a", Port: 1, Proto: monitor.TCP, FirstSeen: time.Unix(5, 0).UTC(), LastSeen: time.Unix(6, 0).UTC()}}}
	if err := SaveState(dir, want); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, StateFileName))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("state mode %v", fi.Mode().Perm())
	}
	got, err := LoadState(dir)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("state round trip: %+v, %v", got, err)
	}
	os.WriteFile(filepath.Join(dir, StateFileName), []byte(`{"baseline_taken": tru`), 0o600)
	got, err = LoadState(dir)
	if err == nil || got.BaselineTaken {
		t.Fatalf("corrupt state: %+v, %v", got, err)
	}
	if b, _ := filepath.Glob(filepath.Join(dir, StateFileName+".corrupt-*")); len(b) != 1 {
		t.Fatalf("corrupt state not kept: %v", files(t, dir))
	}
}

func TestPauseSnoozeAndExpiry(t *testing.T) {
	s, _ := openT(t)
	now := time.Now()
	s.now = func() time.Time { return now }
	err := s.Update(func(c *Settings) error {
		c.PauseFor(time.Hour, now)
		// As written in the file by hand: Portlight only ends snoozes.
		c.Snooze = map[string]time.Time{"/opt/a": now.Add(time.Hour), "/opt/b": now.Add(2 * time.Hour)}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Settings()
	if !got.Pause.Active(now) || got.Pause.Active(now.Add(2*time.Hour)) || len(got.Snooze) != 2 {
		t.Fatalf("pause/snooze: %+v", got)
	}
	if gc := got.GateConfig(); !gc.Pause.Active(now) || !now.Before(gc.Snooze["/opt/a"]) {
		t.Fatalf("gate config: %+v", gc)
	}
	// Ninety minutes later, the next write drops what ended.
	now = now.Add(90 * time.Minute)
	if err := s.Update(func(c *Settings) error { return nil }); err != nil {
		t.Fatal(err)
	}
	got = s.Settings()
	if !got.Pause.Until.IsZero() || len(got.Snooze) != 1 || got.Snooze["/opt/b"].IsZero() {
		t.Fatalf("after expiry: %+v", got)
	}
	if err := s.Update(func(c *Settings) error { c.PauseFor(0, now); c.Snooze = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	if got = s.Settings(); !got.Pause.UntilResumed || got.Snooze != nil {
		t.Fatalf("until resumed: %+v", got)
	}
	if err := s.Update(func(c *Settings) error { c.Resume(); return nil }); err != nil {
		t.Fatal(err)
	}
	if s.Settings().Pause.Active(now) {
		t.Fatal("still paused after Resume")
	}
}

func TestConcurrentUpdatesFromTwoProcessesLoseNothing(t *testing.T) {
	// Two stores stand for two processes: each opens its own lock file
	// descriptor, so flock serializes them as it would across processes.
	s1, dir := openT(t)
	s2, _ := Open(dir)
	const each = 40
	errs := make(chan error, 2*each)
	for i := range each {
		for j, s := range []*Store{s1, s2} {
			go func() {
				p := fmt.Sprintf("/opt/p%d-%d", j, i)
				errs <- s.Update(func(c *Settings) error { c.AllowEntry(policy.AllowEntry{Path: p}); return nil })
			}()
		}
	}
	for range 2 * each {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	s3, _ := Open(dir)
	if n := len(s3.Settings().Allow); n != 2*each {
		t.Fatalf("%d entries after %d concurrent updates", n, 2*each)
	}
}
