package cli

import (
	"flag"
	"fmt"
)

// descriptions are the longer texts that `portlight COMMAND --help` prints
// above a command's flags: what the command does, in plain words, and what
// to expect. Keep them in step with packaging/portlight.1.
var descriptions = map[string]string{
	"scan": `Usage: portlight scan [--json]

Lists the sockets that programs on this computer listen on right now: the
protocol, address and port; whether the socket can be reached from the
network or only from this computer; the owning process and user; IANA's
status for the port; and Portlight's verdict, with its reasons. Sockets of
other users' programs are listed with the owner hidden unless you run it
with more privileges.
`,
	"explain": `Usage: portlight explain PORT[/PROTO] [--proto tcp|udp] [--json]

Says everything Portlight knows about a port: its range (well-known,
registered or dynamic), what IANA assigned it to and the date of the
registry that says so, what Wikipedia, a curated list of development
servers and MITRE ATT&CK report it used for, who listens on it now, and
the commands that check it by hand on Linux, macOS and Windows.
Example: portlight explain 5432, portlight explain 53/udp --json
`,
	"watch": `Usage: portlight watch [--interval D] [--json] [--no-history]

Runs the monitor without the tray and prints one line per event: a socket
opened, closed, or changed owner. Events are recorded in the history unless
--no-history. Stop it with Ctrl+C.
`,
	"history": `Usage: portlight history [--since WHEN] [--proto P] [--exe PATH] [--limit N] [--json]

Shows what listened where and when, from the history that the tray app and
'portlight watch' record.
`,
	"allow": `Usage: portlight allow PATH [--port N]... [--proto tcp|udp] [--pin] [--args PATTERN] [--note TEXT]
       portlight allow --list [--json]

Allows a program to listen without an alert, optionally only on some ports,
with some arguments, or pinned to the file's contents (--pin: a replaced
binary alerts as changed).
`,
	"disallow": `Usage: portlight disallow PATH

Removes a program from the allow-list; its listeners alert again.
`,
	"update-registry": updateRegistryHelp,
}

// Description returns the longer help text of a command (its usage line and
// what it does), or "" when it has none.
func Description(name string) string { return descriptions[name] }

// usage returns a flag.FlagSet Usage function that prints the command's
// description, then its flags.
func usage(fs *flag.FlagSet, name string) func() {
	return func() {
		w := fs.Output()
		if d := Description(name); d != "" {
			fmt.Fprint(w, d)
		} else {
			fmt.Fprintf(w, "Usage: %s [flags]\n", fs.Name())
		}
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
}
