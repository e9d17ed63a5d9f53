package cmdline

import "strings"

// Flag is one flag of a command as its synopsis shows it.
type Flag struct {
	Name     string // without dashes: "port"
	Arg      string // the value's placeholder ("N"), or "" for a switch
	Repeat   bool   // may be given more than once: [--port N]...
	Required bool   // shown without brackets: allow --list
	Alt      bool   // an alternative to the flag before it: [--url URL | --file PATH]
}

// Form is one way of calling a command: its operands and flags.
type Form struct {
	Operands string // "PORT[/PROTO]", "explain PORT[/PROTO]", or ""
	Flags    []Flag
}

// Command is one command of Portlight's command line.
type Command struct {
	Name    string // "" is the tray app (portlight with no command)
	Summary string // one line, for the list of commands
	Forms   []Form
}

// Commands is Portlight's command line, in the order the usage text and the
// man page list it. The usage text, `help COMMAND`, the man page's synopsis
// and the window process's usage come from it; tests hold the parsers (the
// headless commands' flag sets and the window process's) and the man page to
// it.
var Commands = []Command{
	{Name: "", Summary: "start the tray app (resident monitor + tray + notifications)", Forms: []Form{{}}},
	{Name: "scan", Summary: "list the listening sockets now, with port facts and verdicts",
		Forms: []Form{{Flags: []Flag{{Name: "json"}}}}},
	{Name: "explain", Summary: "everything known of a port, and how to check it by hand",
		Forms: []Form{{Operands: "PORT[/PROTO]", Flags: []Flag{{Name: "proto", Arg: "tcp|udp|sctp"}, {Name: "json"}}}}},
	{Name: "watch", Summary: "run the monitor headless, one event per line (JSON lines with --json); records history",
		Forms: []Form{{Flags: []Flag{{Name: "interval", Arg: "D"}, {Name: "json"}, {Name: "no-history"}}}}},
	{Name: "history", Summary: "show what listened where and when (JSON lines with --json)",
		Forms: []Form{{Flags: []Flag{{Name: "port", Arg: "N"}, {Name: "proto", Arg: "P"}, {Name: "exe", Arg: "PATH"},
			{Name: "since", Arg: "WHEN"}, {Name: "limit", Arg: "N"}, {Name: "json"}, {Name: "db", Arg: "PATH"}}}}},
	{Name: "allow", Summary: "allow a program to listen, on some ports, with some scripts, pinned to its file; or list the allow-list",
		Forms: []Form{
			{Operands: "PATH", Flags: []Flag{{Name: "port", Arg: "N", Repeat: true}, {Name: "proto", Arg: "tcp|udp|sctp"},
				{Name: "pin"}, {Name: "script", Arg: "PATH"}, {Name: "args", Arg: "PATTERN", Alt: true}, {Name: "any-script", Alt: true},
				{Name: "note", Arg: "TEXT"}}},
			{Flags: []Flag{{Name: "list", Required: true}, {Name: "json"}}},
		}},
	{Name: "disallow", Summary: "remove a program from the allow-list",
		Forms: []Form{{Operands: "PATH"}}},
	{Name: "update-registry", Summary: "download IANA's port registry and use it instead of the built-in one",
		Forms: []Form{{Flags: []Flag{{Name: "url", Arg: "URL"}, {Name: "file", Arg: "PATH", Alt: true},
			{Name: "timeout", Arg: "D"}, {Name: "dry-run"}}}}},
	{Name: "ui", Summary: "open a window (the tray does this for you)",
		Forms: []Form{
			{Operands: "explain PORT[/PROTO]", Flags: []Flag{{Name: "pid", Arg: "N"}}},
			{Operands: "home"},
			{Operands: "welcome"},
			{Operands: "listeners"},
			{Operands: "history", Flags: []Flag{{Name: "port", Arg: "N[/PROTO]"}, {Name: "exe", Arg: "PATH"}}},
			{Operands: "settings"},
		}},
	{Name: "help", Summary: "list the commands, or show one command's usage and flags",
		Forms: []Form{{Operands: "[COMMAND]"}}},
}

// Lookup returns the named command from Commands.
func Lookup(name string) (Command, bool) {
	for _, c := range Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Flags returns every flag of the command's forms, each name once, in
// order.
func (c Command) Flags() []Flag {
	var out []Flag
	seen := map[string]bool{}
	for _, f := range c.Forms {
		for _, fl := range f.Flags {
			if !seen[fl.Name] {
				seen[fl.Name] = true
				out = append(out, fl)
			}
		}
	}
	return out
}

// Synopsis returns the form as one line: "portlight history [--port N] ...".
func (c Command) Synopsis(f Form) string {
	parts := []string{"portlight"}
	if c.Name != "" {
		parts = append(parts, c.Name)
	}
	if f.Operands != "" {
		parts = append(parts, f.Operands)
	}
	for i := 0; i < len(f.Flags); i++ {
		fl := f.Flags[i]
		if fl.Required {
			parts = append(parts, fl.text())
			continue
		}
		group := fl.text()
		for i+1 < len(f.Flags) && f.Flags[i+1].Alt {
			i++
			group += " | " + f.Flags[i].text()
		}
		s := "[" + group + "]"
		if fl.Repeat {
			s += "..."
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// Usage returns the command's synopsis lines, one per form.
func (c Command) Usage() []string {
	out := make([]string, len(c.Forms))
	for i, f := range c.Forms {
		out[i] = c.Synopsis(f)
	}
	return out
}

// text is the flag as written: "--port N" or "--json".
func (fl Flag) text() string {
	if fl.Arg == "" {
		return "--" + fl.Name
	}
	return "--" + fl.Name + " " + fl.Arg
}
