package cmdline

import (
	"strings"
	"testing"
)

func TestSynopsis(t *testing.T) {
	for _, c := range []struct {
		name string
		want []string
	}{
		{"", []string{"portlight"}},
		{"explain", []string{"portlight explain PORT[/PROTO] [--proto tcp|udp|sctp] [--json]"}},
		{"allow", []string{
			"portlight allow PATH [--port N]... [--proto tcp|udp|sctp] [--pin] [--script PATH | --args PATTERN | --any-script] [--note TEXT]",
			"portlight allow --list [--json]"}},
		{"update-registry", []string{"portlight update-registry [--url URL | --file PATH] [--timeout D] [--dry-run]"}},
		{"ui", []string{"portlight ui explain PORT[/PROTO] [--pid N]", "portlight ui home", "portlight ui welcome", "portlight ui listeners",
			"portlight ui history [--port N[/PROTO]] [--exe PATH]", "portlight ui settings"}},
	} {
		cmd, ok := Lookup(c.name)
		if !ok {
			t.Fatalf("no command %q", c.name)
		}
		if got := cmd.Usage(); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%q usage:\n%s\nwant:\n%s", c.name, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

func TestTableIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Commands {
		if seen[c.Name] {
			t.Errorf("command %q twice", c.Name)
		}
		seen[c.Name] = true
		if c.Summary == "" || len(c.Forms) == 0 {
			t.Errorf("command %q has no summary or no form", c.Name)
		}
		for _, f := range c.Forms {
			if len(f.Flags) > 0 && f.Flags[0].Alt {
				t.Errorf("%q: a form's first flag is an alternative to nothing", c.Name)
			}
		}
	}
	if _, ok := Lookup("no-such-command"); ok {
		t.Error("Lookup found a command that is not there")
	}
}
