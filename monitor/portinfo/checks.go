package portinfo

import "strconv"

// Check is one command a person can run to see who listens on a port.
type Check struct {
	// OS is "linux", "macos" or "windows".
	OS string `json:"os"`
	// Title says what the command shows.
	Title string `json:"title"`
	// Command is ready to paste; "<PID>" is left for the reader to fill in.
	Command string `json:"command"`
}

// Checks returns the commands that show by hand which program listens on
// port for proto ("udp" gets the UDP forms; anything else the TCP ones).
func Checks(port uint16, proto string) []Check {
	n := strconv.Itoa(int(port))
	if NormalizeProto(proto) == "udp" {
		return []Check{
			{OS: "linux", Title: "Show the UDP socket bound to " + n + " and its program (your own processes)", Command: "ss -ulnp 'sport = :" + n + "'"},
			{OS: "linux", Title: "The same, including other users' programs", Command: "sudo ss -ulnp 'sport = :" + n + "'"},
			{OS: "linux", Title: "The same with lsof", Command: "lsof -nP -iUDP:" + n},
			{OS: "macos", Title: "Show the program bound to UDP " + n, Command: "lsof -nP -iUDP:" + n},
			{OS: "macos", Title: "The same, including other users' programs", Command: "sudo lsof -nP -iUDP:" + n},
			{OS: "windows", Title: "Find the PID bound to UDP " + n + " (last column; keep lines whose local address ends in :" + n + ")", Command: "netstat -ano -p udp | findstr :" + n},
			{OS: "windows", Title: "Name the program with that PID", Command: `tasklist /FI "PID eq <PID>"`},
		}
	}
	return []Check{
		{OS: "linux", Title: "Show who listens on TCP " + n + " (your own processes)", Command: "ss -tlnp 'sport = :" + n + "'"},
		{OS: "linux", Title: "The same, including other users' programs", Command: "sudo ss -tlnp 'sport = :" + n + "'"},
		{OS: "linux", Title: "The same with lsof", Command: "lsof -nP -iTCP:" + n + " -sTCP:LISTEN"},
		{OS: "macos", Title: "Show who listens on TCP " + n, Command: "lsof -nP -iTCP:" + n + " -sTCP:LISTEN"},
		{OS: "macos", Title: "The same, including other users' programs", Command: "sudo lsof -nP -iTCP:" + n + " -sTCP:LISTEN"},
		{OS: "windows", Title: "Find the PID listening on " + n + " (last column; keep LISTENING lines whose local address ends in :" + n + ")", Command: "netstat -ano | findstr :" + n},
		{OS: "windows", Title: "Name the program with that PID", Command: `tasklist /FI "PID eq <PID>"`},
	}
}
