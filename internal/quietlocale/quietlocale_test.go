package quietlocale_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"portlight/internal/quietlocale"
)

// TestRestoreGivesBackTheLocale re-runs this test binary with each locale:
// during initialisation a C.UTF-8 locale reads as "C" (what Fyne's locale
// library understands), and after Restore as it was; other locales are
// never touched.
func TestRestoreGivesBackTheLocale(t *testing.T) {
	if os.Getenv("QUIETLOCALE_CHILD") == "1" {
		return
	}
	cases := []struct{ env, during, after string }{
		{"LC_ALL=C.UTF-8", "LC_ALL=C", "LC_ALL=C.UTF-8"},
		{"LANG=C.UTF-8", "LANG=C", "LANG=C.UTF-8"},
		{"LANG=POSIX@euro", "LANG=C", "LANG=POSIX@euro"},
		{"LANG=C", "LANG=C", "LANG=C"},
		{"LANG=de_DE.UTF-8", "LANG=de_DE.UTF-8", "LANG=de_DE.UTF-8"},
		{"LANG=Catalan", "LANG=Catalan", "LANG=Catalan"},
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildReport$", "-test.v")
		cmd.Env = append(clean(), "QUIETLOCALE_CHILD=1", c.env)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.env, err, out)
		}
		want := "during " + c.during + " after " + c.after
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: want %q in\n%s", c.env, want, out)
		}
	}
}

// during is the locale variable of the case as package initialisation saw it
// (this package initialises after quietlocale, before main would restore).
var during = func() string {
	for _, n := range []string{"LC_ALL", "LANG"} {
		if v := os.Getenv(n); v != "" {
			return n + "=" + v
		}
	}
	return ""
}()

// TestChildReport is the child role of TestRestoreGivesBackTheLocale.
func TestChildReport(t *testing.T) {
	if os.Getenv("QUIETLOCALE_CHILD") != "1" {
		t.Skip("child role of TestRestoreGivesBackTheLocale")
	}
	quietlocale.Restore()
	quietlocale.Restore()
	after := ""
	for _, n := range []string{"LC_ALL", "LANG"} {
		if v := os.Getenv(n); v != "" {
			after = n + "=" + v
			break
		}
	}
	t.Logf("during %s after %s", during, after)
}

// clean is this environment without locale variables.
func clean() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch n, _, _ := strings.Cut(kv, "="); n {
		case "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE":
			continue
		}
		env = append(env, kv)
	}
	return env
}
