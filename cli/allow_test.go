package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// allowHome gives the test its own PORTLIGHT_HOME and an executable file
// reached through a symlink; it returns the home, the file and the link.
func allowHome(t *testing.T, name string) (home, file, link string) {
	t.Helper()
	root := t.TempDir()
	home = filepath.Join(root, "home")
	t.Setenv("PORTLIGHT_HOME", home)
	if err := os.MkdirAll(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(root, "real", name)
	if err := os.WriteFile(file, []byte("#!/bin/sh\necho "+name+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	link = filepath.Join(root, "link-"+name)
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	return home, file, link
}

// runAllowCmd runs a sub-command, returning stdout, stderr and the error.
func runAllowCmd(name string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), name, Env{Args: args, Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

func storedAllow(t *testing.T, home string) []policy.AllowEntry {
	t.Helper()
	s, err := settings.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Problem(); p != "" {
		t.Fatalf("settings problem: %s", p)
	}
	return s.Settings().Allow
}

func TestAllowResolvesPinsAndScopes(t *testing.T) {
	home, file, link := allowHome(t, "syncd")
	out, _, err := runAllowCmd("allow", link, "--port", "8384", "--port", "22000,22001", "--proto", "TCP", "--pin", "--note", "file sync")
	if err != nil {
		t.Fatalf("allow: %v", err)
	}
	if !strings.HasPrefix(out, "allowed: "+file+" on ports 8384, 22000, 22001/tcp (pinned)") {
		t.Errorf("output %q", out)
	}
	es := storedAllow(t, home)
	if len(es) != 1 {
		t.Fatalf("entries %+v", es)
	}
	e := es[0]
	data, _ := os.ReadFile(file)
	sum := sha256.Sum256(data)
	if e.Path != file || !slices.Equal(e.Ports, []uint16{8384, 22000, 22001}) || e.Proto != monitor.TCP ||
		e.SHA256 != hex.EncodeToString(sum[:]) || e.Note != "file sync" || e.Added.IsZero() {
		t.Fatalf("entry %+v", e)
	}
	// Allowing again (flags first this time) replaces the entry.
	out, _, err = runAllowCmd("allow", "--note", "again", file)
	if err != nil || !strings.Contains(out, "on any port (replaces the previous entry)") {
		t.Fatalf("allow again: %q, %v", out, err)
	}
	if es := storedAllow(t, home); len(es) != 1 || es[0].Note != "again" || es[0].SHA256 != "" {
		t.Fatalf("after replace: %+v", es)
	}
}

func TestAllowedEntryAllowsThePolicy(t *testing.T) {
	home, file, _ := allowHome(t, "server")
	if _, _, err := runAllowCmd("allow", file, "--pin"); err != nil {
		t.Fatal(err)
	}
	s, _ := settings.Open(home)
	p := &policy.Policy{Rules: s.Settings().Rules(), Hash: policy.SharedHasher.Sum}
	l := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2476, Exposure: monitor.Network,
		Process: monitor.Process{PID: 1, Exe: file}}
	if v := p.Assess(l).Verdict; !v.Allowed || v.Alert {
		t.Fatalf("allowed program judged %+v", v)
	}
	// The pinned file replaced: changed.
	if err := os.WriteFile(file, []byte("#!/bin/sh\necho evil\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if v := p.Assess(l).Verdict; !v.Alert || !v.Changed() {
		t.Fatalf("replaced pinned program judged %+v", v)
	}
}

func TestAllowInterpreterNeedsArgs(t *testing.T) {
	home, file, _ := allowHome(t, "python3.12")
	_, _, err := runAllowCmd("allow", file)
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "interpreter") {
		t.Fatalf("allow interpreter without --args: %v", err)
	}
	if _, _, err := runAllowCmd("allow", file, "--args", "*/srv/app.py*"); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "absolute path") {
		t.Fatalf("allow with a leading '*' glob: %v", err)
	}
	if _, _, err := runAllowCmd("allow", file, "--script", "/srv/app.py"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runAllowCmd("allow", file, "--any-script"); err != nil {
		t.Fatal(err)
	}
	if es := storedAllow(t, home); len(es) != 2 || es[0].Script != "/srv/app.py" || es[1].Script != "" || es[1].Args != "" {
		t.Fatalf("entries %+v", es)
	}
}

func TestAllowListTextAndJSON(t *testing.T) {
	home, file, _ := allowHome(t, "syncd")
	out, _, err := runAllowCmd("allow", "--list")
	if err != nil || !strings.Contains(out, "The allow-list is empty") {
		t.Fatalf("empty list: %q, %v", out, err)
	}
	out, _, err = runAllowCmd("allow", "--list", "--json")
	if err != nil || !strings.Contains(out, `"allow": []`) {
		t.Fatalf("empty JSON list: %q, %v", out, err)
	}
	if _, _, err := runAllowCmd("allow", file, "--port", "8384", "--note", "sync\x1b[31m"); err != nil {
		t.Fatal(err)
	}
	out, _, err = runAllowCmd("allow", "--list")
	if err != nil || !strings.Contains(out, "PATH") || !strings.Contains(out, file) || !strings.Contains(out, "port 8384") {
		t.Fatalf("list: %q, %v", out, err)
	}
	if strings.Contains(out, "\x1b") {
		t.Fatalf("list prints an escape sequence from a note: %q", out)
	}
	out, _, err = runAllowCmd("allow", "--list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc AllowListOutput
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Settings != filepath.Join(home, settings.FileName) || len(doc.Allow) != 1 || doc.Allow[0].Path != file {
		t.Fatalf("JSON list %+v", doc)
	}
}

func TestDisallow(t *testing.T) {
	home, file, link := allowHome(t, "syncd")
	for _, args := range [][]string{{file}, {file, "--port", "1"}, {link, "--args", "/x/*"}} {
		if _, _, err := runAllowCmd("allow", args...); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := runAllowCmd("disallow", link)
	if err != nil || out != "disallowed: "+file+" (2 entries removed)\n" {
		t.Fatalf("disallow: %q, %v", out, err)
	}
	if es := storedAllow(t, home); len(es) != 0 {
		t.Fatalf("left: %+v", es)
	}
	if _, _, err := runAllowCmd("disallow", file); err == nil || !strings.Contains(err.Error(), "no allow-list entry") {
		t.Fatalf("disallow of nothing: %v", err)
	}
	// A program already deleted can still be disallowed by its path.
	if _, _, err := runAllowCmd("allow", file); err != nil {
		t.Fatal(err)
	}
	os.Remove(file)
	if _, _, err := runAllowCmd("disallow", file); err != nil {
		t.Fatalf("disallow a deleted file: %v", err)
	}
}

func TestAllowBadArguments(t *testing.T) {
	_, file, _ := allowHome(t, "syncd")
	for _, args := range [][]string{
		{}, {file, file}, {file, "--port", "0"}, {file, "--port", "http"}, {file, "--port", "70000"},
		{file, "--proto", "icmp"}, {file, "--nope"}, {"--list", file}, {"--list", "--pin"}, {file, "--json"},
	} {
		if _, _, err := runAllowCmd("allow", args...); !errors.Is(err, ErrUsage) {
			t.Errorf("allow %q: %v, want a usage error", args, err)
		}
	}
	if _, _, err := runAllowCmd("allow", filepath.Join(filepath.Dir(file), "missing")); err == nil || errors.Is(err, ErrUsage) {
		t.Errorf("allow of a missing file: %v", err)
	}
	if _, _, err := runAllowCmd("allow", filepath.Dir(file)); err == nil || !strings.Contains(err.Error(), "not a file") {
		t.Errorf("allow of a folder: %v", err)
	}
	if _, _, err := runAllowCmd("disallow"); !errors.Is(err, ErrUsage) {
		t.Errorf("disallow without a path: %v", err)
	}
	if _, _, err := runAllowCmd("allow", "--help"); err != nil {
		t.Errorf("allow --help: %v", err)
	}
}

func TestAllowOverACorruptSettingsFileWarnsAndKeepsIt(t *testing.T) {
	home, file, _ := allowHome(t, "syncd")
	os.MkdirAll(home, 0o700)
	if err := os.WriteFile(filepath.Join(home, settings.FileName), []byte("schema = 1\n[[allow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runAllowCmd("allow", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, "corrupt-") {
		t.Fatalf("no warning naming the backup: %q", stderr)
	}
	if b, _ := filepath.Glob(filepath.Join(home, settings.FileName+".corrupt-*")); len(b) != 1 {
		t.Fatalf("backup missing")
	}
	if es := storedAllow(t, home); len(es) != 1 {
		t.Fatalf("entries %+v", es)
	}
}

// An SCTP scope is stored as typed, passes the settings' check, and covers
// that port over SCTP only.
func TestAllowSCTPScope(t *testing.T) {
	home, file, link := allowHome(t, "m3uad")
	out, _, err := runAllowCmd("allow", link, "--port", "2905", "--proto", "sctp")
	if err != nil {
		t.Fatalf("allow: %v", err)
	}
	if !strings.HasPrefix(out, "allowed: "+file+" on port 2905/sctp") {
		t.Errorf("output %q", out)
	}
	es := storedAllow(t, home)
	if len(es) != 1 || es[0].Proto != monitor.SCTP || es[0].Validate() != nil {
		t.Fatalf("entries %+v", es)
	}
	if !es[0].Covers(2905, monitor.SCTP) || es[0].Covers(2905, monitor.TCP) {
		t.Errorf("entry %+v: covers 2905/sctp %v, 2905/tcp %v", es[0], es[0].Covers(2905, monitor.SCTP), es[0].Covers(2905, monitor.TCP))
	}
}
