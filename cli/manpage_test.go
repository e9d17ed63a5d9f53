package cli

import (
	"os"
	"strings"
	"testing"
)

// TestManPageNamesEveryCommand keeps packaging/portlight.1 in step with the
// commands: each registered command must have a SYNOPSIS line and an entry
// under COMMANDS.
func TestManPageNamesEveryCommand(t *testing.T) {
	b, err := os.ReadFile("../packaging/portlight.1")
	if err != nil {
		t.Fatalf("the man page must be in packaging/: %v", err)
	}
	page := string(b)
	synopsis, rest, ok := strings.Cut(page, ".SH DESCRIPTION")
	if !ok {
		t.Fatal("man page has no DESCRIPTION section")
	}
	_, cmds, ok := strings.Cut(rest, ".SH COMMANDS")
	if !ok {
		t.Fatal("man page has no COMMANDS section")
	}
	cmds, _, _ = strings.Cut(cmds, ".SH OPTIONS")
	if len(commands) < 5 {
		t.Fatalf("only %d commands registered", len(commands))
	}
	for name := range commands {
		roff := strings.ReplaceAll(name, "-", `\-`)
		if !strings.Contains(synopsis, ".B portlight "+roff) {
			t.Errorf("SYNOPSIS lacks %q", name)
		}
		if !strings.Contains(cmds, ".B "+roff+"\n") && !strings.Contains(cmds, ".BI "+roff+" ") {
			t.Errorf("COMMANDS lacks an entry for %q", name)
		}
	}
}

// TestEveryCommandHasADescription keeps the longer --help texts complete.
func TestEveryCommandHasADescription(t *testing.T) {
	for name := range commands {
		d := Description(name)
		if !strings.HasPrefix(d, "Usage: portlight "+name) || len(d) < 80 {
			t.Errorf("%s: description %q", name, d)
		}
	}
}
