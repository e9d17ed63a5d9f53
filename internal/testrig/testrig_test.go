package testrig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a tb that records the verdict instead of ending the test.
type recorder struct {
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }

func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

// fakePath puts a folder holding one executable, "present-tool", alone on
// PATH.
func fakePath(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "present-tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

func TestMissingNamesOnlyAbsentTools(t *testing.T) {
	fakePath(t)
	got := Missing("present-tool", "absent-tool", "dunst")
	if strings.Join(got, " ") != "absent-tool dunst" {
		t.Fatalf("Missing = %q, want absent-tool and dunst", got)
	}
	msg := MissingMessage("present-tool", "dunst")
	if msg != "missing tool dunst (apt-get install dunst)" {
		t.Fatalf("MissingMessage = %q", msg)
	}
	if msg := MissingMessage("present-tool"); msg != "" {
		t.Fatalf("MissingMessage of a present tool = %q, want empty", msg)
	}
}

func TestRequireToolSkipsOrFailsNamingTheTool(t *testing.T) {
	fakePath(t)
	for _, c := range []struct {
		env           string
		tools         []string
		skip, fail    bool
		wantInMessage string
	}{
		{env: "", tools: []string{"present-tool"}},
		{env: "1", tools: []string{"present-tool"}},
		{env: "", tools: []string{"present-tool", "xvfb-run"}, skip: true, wantInMessage: "xvfb-run (apt-get install xvfb)"},
		{env: "0", tools: []string{"dbus-daemon"}, skip: true, wantInMessage: "dbus-daemon"},
		{env: "1", tools: []string{"xvfb-run", "dbus-daemon"}, fail: true, wantInMessage: "xvfb-run (apt-get install xvfb), dbus-daemon"},
	} {
		t.Setenv(RequireEnv, c.env)
		var r recorder
		requireTool(&r, c.tools...)
		if (r.skipped != "") != c.skip || (r.failed != "") != c.fail {
			t.Errorf("%s=%q %v: skipped %q, failed %q; want skip %v, fail %v", RequireEnv, c.env, c.tools, r.skipped, r.failed, c.skip, c.fail)
		}
		if msg := r.skipped + r.failed; !strings.Contains(msg, c.wantInMessage) {
			t.Errorf("%v: message %q does not name %q", c.tools, msg, c.wantInMessage)
		}
	}
}

func TestSlowSkipsOnlyUnderShort(t *testing.T) {
	var r recorder
	slow(&r, false, "the soak")
	if r.skipped != "" || r.failed != "" {
		t.Fatalf("without -short: skipped %q, failed %q", r.skipped, r.failed)
	}
	slow(&r, true, "the soak")
	if r.skipped != "skipped under -short: the soak" {
		t.Fatalf("under -short: skipped %q", r.skipped)
	}
}

func TestMainGate(t *testing.T) {
	fakePath(t)
	t.Setenv(RequireEnv, "")
	if skip, err := mainGate(true, "present-tool"); err != nil || !strings.Contains(skip, "-short") {
		t.Errorf("under -short: %q, %v; want a skip naming -short", skip, err)
	}
	if skip, err := mainGate(false, "present-tool"); skip != "" || err != nil {
		t.Errorf("tools present: %q, %v; want to run", skip, err)
	}
	if skip, err := mainGate(false, "present-tool", "xauth"); err != nil || !strings.Contains(skip, "xauth") {
		t.Errorf("xauth missing: %q, %v; want a skip naming xauth", skip, err)
	}
	t.Setenv(RequireEnv, "1")
	if skip, err := mainGate(false, "xauth"); skip != "" || err == nil || !strings.Contains(err.Error(), "xauth") {
		t.Errorf("xauth missing, required: %q, %v; want an error naming xauth", skip, err)
	}
}

func TestNeedSkipsOrFailsNamingWhatIsMissing(t *testing.T) {
	var r recorder
	need(&r, true, true, "x")
	if r.skipped != "" || r.failed != "" {
		t.Fatalf("need met: %+v", r)
	}
	need(&r, false, false, "dpkg-deb")
	if r.skipped != "needs dpkg-deb" || r.failed != "" {
		t.Fatalf("not required: %+v, want a skip naming dpkg-deb", r)
	}
	r = recorder{}
	need(&r, false, true, "dpkg-deb")
	if r.failed != "needs dpkg-deb" || r.skipped != "" {
		t.Fatalf("required: %+v, want a failure naming dpkg-deb", r)
	}
}
