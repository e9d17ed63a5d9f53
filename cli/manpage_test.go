package cli

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portlight/cmdline"
)

var updateManPage = flag.Bool("update-man", false, "rewrite the SYNOPSIS of packaging/portlight.1 from cmdline.Commands")

const manPagePath = "../packaging/portlight.1"

// manSections splits the man page into its sections by name (SYNOPSIS,
// COMMANDS, ...), each without its .SH line.
func manSections(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, part := range strings.Split(page, "\n.SH ")[1:] {
		name, body, _ := strings.Cut(part, "\n")
		out[strings.Trim(name, `"`)] = body + "\n"
	}
	for _, want := range []string{"SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS"} {
		if _, ok := out[want]; !ok {
			t.Fatalf("man page has no %s section", want)
		}
	}
	return out
}

// TestManPageSynopsisIsTheTable keeps the man page's SYNOPSIS what the
// command table generates (`go test ./cli -run ManPageSynopsis -update-man`
// rewrites it).
func TestManPageSynopsisIsTheTable(t *testing.T) {
	b, err := os.ReadFile(manPagePath)
	if err != nil {
		t.Fatalf("the man page must be in packaging/: %v", err)
	}
	page := string(b)
	got := manSections(t, page)["SYNOPSIS"]
	want := manSynopsis()
	if got == want {
		return
	}
	if *updateManPage {
		page = strings.Replace(page, ".SH SYNOPSIS\n"+got, ".SH SYNOPSIS\n"+want, 1)
		if err := os.WriteFile(manPagePath, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the man page's SYNOPSIS is not the command table's; run go test ./cli -run ManPageSynopsis -update-man\nhave:\n%s\nwant:\n%s", got, want)
}

// TestManPageNamesEveryCommandAndFlag holds the man page to the command
// table: every command has an entry under COMMANDS, every flag of a command
// is named in that entry (or under OPTIONS), and every flag the page names
// is in the table.
func TestManPageNamesEveryCommandAndFlag(t *testing.T) {
	b, err := os.ReadFile(manPagePath)
	if err != nil {
		t.Fatalf("the man page must be in packaging/: %v", err)
	}
	secs := manSections(t, string(b))
	entries := manEntries(secs["COMMANDS"])
	options := unroff(secs["OPTIONS"])
	known := map[string]bool{"help": true, "h": true}
	for _, c := range cmdline.Commands {
		if c.Name == "" {
			continue
		}
		entry, ok := entries[c.Name]
		if !ok {
			t.Errorf("COMMANDS lacks an entry for %q", c.Name)
		}
		for _, fl := range c.Flags() {
			known[fl.Name] = true
			if !strings.Contains(entry, "--"+fl.Name) && !strings.Contains(options, "--"+fl.Name+"\n") {
				t.Errorf("the man page names --%s of %s neither in its COMMANDS entry nor under OPTIONS", fl.Name, c.Name)
			}
		}
	}
	var text []string // the page without its comments
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, `.\"`) {
			text = append(text, line)
		}
	}
	for _, m := range regexp.MustCompile(`(?:^|[^-\w])--([a-z][a-z-]*)`).FindAllStringSubmatch(unroff(strings.Join(text, "\n")), -1) {
		if !known[m[1]] {
			t.Errorf("the man page names a flag --%s that no command has", m[1])
		}
	}
}

// manEntries returns the text of each .TP entry of a section, by the
// command name that starts it.
func manEntries(section string) map[string]string {
	out := map[string]string{}
	for _, tp := range strings.Split(section, ".TP\n")[1:] {
		head, _, _ := strings.Cut(tp, "\n")
		head = strings.TrimLeft(unroff(head), `. "`)
		_, head, _ = strings.Cut(head, " ") // the macro: .B, .BI, .RI
		name := strings.Fields(strings.Trim(head, `"`))[0]
		out[name] = unroff(tp)
	}
	return out
}

// unroff turns the page's escapes back into text: \- is -, \(en is –.
func unroff(s string) string {
	return strings.NewReplacer(`\-`, "-", `\(en`, "–", `\&`, "").Replace(s)
}

// TestEveryCommandHasADescription keeps the longer --help texts complete:
// each starts with the table's usage lines.
func TestEveryCommandHasADescription(t *testing.T) {
	for _, c := range cmdline.Commands {
		if c.Name == "" {
			continue
		}
		d := Description(c.Name)
		if !strings.HasPrefix(d, "Usage: "+c.Usage()[0]) || len(d) < 80 {
			t.Errorf("%s: description %q", c.Name, d)
		}
	}
	for name := range commands {
		if _, ok := cmdline.Lookup(name); !ok {
			t.Errorf("command %q is not in cmdline.Commands", name)
		}
	}
}

// TestFlagSetsAreTheTable runs each headless command with --help and
// checks that the flags its real flag set prints are the table's.
func TestFlagSetsAreTheTable(t *testing.T) {
	flagLine := regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)
	for name := range commands {
		c, ok := cmdline.Lookup(name)
		if !ok {
			t.Errorf("%s is not in cmdline.Commands", name)
			continue
		}
		var out strings.Builder
		err := Run(t.Context(), name, Env{Args: []string{"--help"}, Stdout: &out, Stderr: &out})
		if err != nil && !strings.Contains(err.Error(), "help") {
			t.Errorf("%s --help: %v", name, err)
		}
		var real, table []string
		for _, m := range flagLine.FindAllStringSubmatch(out.String(), -1) {
			real = append(real, m[1])
		}
		for _, fl := range c.Flags() {
			table = append(table, fl.Name)
		}
		slices.Sort(real)
		slices.Sort(table)
		if !slices.Equal(real, table) {
			t.Errorf("%s: the flag set has %v, the table %v", name, real, table)
		}
	}
}

// TestReadmeListsTheTable keeps the README's command list the table's: every
// usage line appears there as a line of its own.
func TestReadmeListsTheTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, list, ok := strings.Cut(string(b), "## Command line\n")
	if !ok {
		t.Fatal("README has no Command line section")
	}
	list, _, _ = strings.Cut(list, "\n## ")
	lines := strings.Split(list, "\n")
	for _, c := range cmdline.Commands {
		for _, u := range c.Usage() {
			if !slices.Contains(lines, u) {
				t.Errorf("README's command list lacks %q", u)
			}
		}
	}
}
