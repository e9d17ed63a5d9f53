package cli

import (
	"flag"
	"fmt"
	"strings"

	"portlight/cmdline"
)

// descriptions are the longer texts that `portlight COMMAND --help` prints
// under a command's usage lines (from cmdline.Commands) and above its flags:
// what the command does, in plain words, and what to expect. Keep them in
// step with packaging/portlight.1.
var descriptions = map[string]string{
	"scan": `Lists the sockets that programs on this computer listen on right now: the
protocol, address and port; whether the socket can be reached from the
network or only from this computer; the owning process and user; IANA's
status for the port; and Portlight's verdict, with its reasons. Sockets of
other users' programs are listed with the owner hidden unless you run it
with more privileges.
`,
	"explain": `Says everything Portlight knows about a port: its range (well-known,
registered or dynamic), what IANA assigned it to and the date of the
registry that says so, what Wikipedia, a curated list of development
servers and MITRE ATT&CK report it used for, who listens on it now, and
the commands that check it by hand on Linux, macOS and Windows.
Example: portlight explain 5432, portlight explain 53/udp --json
`,
	"watch": `Runs the monitor without the tray and prints one line per event: a socket
opened, closed, or changed owner. Events are recorded in the history unless
--no-history. Stop it with Ctrl+C.
`,
	"history": `Shows what listened where and when, from the history that the tray app and
'portlight watch' record.
`,
	"allow": `Allows a program to listen without an alert, optionally only on some ports,
with some arguments, or pinned to the file's contents (--pin: a replaced
binary alerts as changed).
`,
	"disallow": `Removes a program from the allow-list; its listeners alert again.
`,
	"update-registry": updateRegistryHelp,
	"ui": `Opens one Portlight window in the window process: the explainer of a
port (--pid: the process it alerted about), the list of listening
programs, the history (--port, --exe: only those events) or the settings.
The tray app does this for you; a request while a window process runs is
handed to it, and the process exits when its last window closes. The
windows are the portlight-ui program, installed next to portlight:
'portlight ui FORM' runs 'portlight-ui FORM'.
`,
	"help": `Lists the commands, or shows one command's usage, what it does and its
flags (the same as 'portlight COMMAND --help').
`,
}

// Description returns the longer help text of a command: its usage lines
// from cmdline.Commands and what it does; "" for an unknown command.
func Description(name string) string {
	c, ok := cmdline.Lookup(name)
	if !ok || name == "" {
		return ""
	}
	return "Usage: " + strings.Join(c.Usage(), "\n       ") + "\n\n" + descriptions[name]
}

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
