package settings

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"portlight/monitor/policy"
)

// FuzzDecodeSettings gives the decoder arbitrary bytes as settings.toml, the
// file people edit by hand. It must never panic: the file loads, or it
// yields defaults and a problem with a detail to show. A file that loads is
// written back the same way after a reload.
func FuzzDecodeSettings(f *testing.F) {
	def, err := encode(Defaults())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := decode(b)
		if d.kind != fileOK {
			if d.detail == "" {
				t.Fatalf("problem %q without a detail", d.kind)
			}
			return
		}
		once, err := encode(d.s)
		if err != nil {
			t.Fatalf("loaded settings do not encode: %v", err)
		}
		d2 := decode(once)
		if d2.kind != fileOK {
			t.Fatalf("written settings do not load: %s %s\n%s", d2.kind, d2.detail, once)
		}
		twice, err := encode(d2.s)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("settings changed on a round trip (%v):\n%s\n---\n%s", err, once, twice)
		}
	})
}

// FuzzSettingsFile puts arbitrary bytes in a real settings.toml and opens
// the store on it: the store's problem must agree with the decoder, a change
// made through the store must succeed and be on disk, and a file that did
// not load cleanly must survive the change byte for byte (as itself or as a
// backup beside it). Each run writes and syncs real files, so this target
// makes a few hundred runs in 10 s; FuzzDecodeSettings covers the decoder
// at speed.
func FuzzSettingsFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		d := decode(b)
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if got := s.Problem() != ""; got != (d.kind != fileOK) {
			t.Fatalf("decode says %q, the store's problem is %q", d.kind, s.Problem())
		}
		before := s.Settings()
		if err := s.Update(func(c *Settings) error { c.SoundOnAlert = !c.SoundOnAlert; return nil }); err != nil {
			t.Fatalf("a change over this file fails: %v", err)
		}
		written, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		after := decode(written)
		if after.kind != fileOK || after.s.SoundOnAlert == before.SoundOnAlert ||
			after.s.PollInterval != before.PollInterval || len(after.s.Allow) != len(before.Allow) {
			t.Fatalf("after the change: %s %s, %+v from %+v", after.kind, after.detail, after.s, before)
		}
		if d.kind != fileOK && !holds(t, dir, b) {
			t.Fatalf("the %s file is lost: no file in the folder holds its bytes", d.kind)
		}
	})
}

// holds reports whether a file in dir has exactly the bytes b.
func holds(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if got, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && bytes.Equal(got, b) {
			return true
		}
	}
	return false
}

// FuzzLoadState gives LoadState arbitrary bytes as state.json, the noise
// gate's memory. It must never panic: it returns the state, or the zero
// state with an error and the file kept as a backup. A state it returns
// saves and loads back unchanged.
func FuzzLoadState(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, StateFileName), b, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := LoadState(dir)
		if err != nil {
			if st.Version != 0 || len(st.Known) != 0 {
				t.Fatalf("an error with a state: %v, %+v", err, st)
			}
			if !holds(t, dir, b) {
				t.Fatal("the unusable state file is lost")
			}
			return
		}
		if st.Version > policy.GateStateVersion {
			t.Fatalf("loaded a state of version %d", st.Version)
		}
		if err := SaveState(dir, st); err != nil {
			t.Fatalf("save: %v", err)
		}
		back, err := LoadState(dir)
		if err != nil {
			t.Fatalf("load what was saved: %v", err)
		}
		if !sameState(st, back) {
			t.Fatalf("state changed on a round trip:\n%+v\n%+v", st, back)
		}
	})
}

// sameState compares two gate states as they are saved.
func sameState(a, b policy.GateState) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}
