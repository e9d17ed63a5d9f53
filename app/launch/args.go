package launch

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"portlight/app/handoff"
	"portlight/cmdline"
	"portlight/content"
)

// Usage returns the window process's command line, from the command table.
var Usage = sync.OnceValue(usage)

func usage() string {
	c, _ := cmdline.Lookup("ui")
	return "usage: " + strings.Join(c.Usage(), " | ")
}

// Parse reads the window process's arguments (those after `portlight ui`,
// which are portlight-ui's own) into the request for its first window.
// Errors wrap cmdline.ErrUsage. Both binaries call it: `portlight ui` so a
// mistake is a usage error before anything starts, portlight-ui because it
// is also run directly.
func Parse(args []string) (handoff.Request, error) {
	bad := func(format string, a ...any) (handoff.Request, error) {
		return handoff.Request{}, fmt.Errorf("ui: %s (%s): %w", fmt.Sprintf(format, a...), Usage(), cmdline.ErrUsage)
	}
	if len(args) == 0 {
		return bad("which window?")
	}
	switch args[0] {
	case "listeners", "settings", "home", "welcome":
		if len(args) > 1 {
			return bad("%s takes no arguments", args[0])
		}
		return handoff.Request{Kind: handoff.Kind(args[0])}, nil
	case "history":
		return parseHistory(args[1:], bad)
	case "explain":
	default:
		return bad("unknown window %q", args[0])
	}
	r := handoff.Request{Kind: handoff.Explain}
	havePort := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--pid" || a == "-pid":
			if i+1 >= len(args) {
				return bad("--pid needs a number")
			}
			i++
			a = "--pid=" + args[i]
			fallthrough
		case strings.HasPrefix(a, "--pid=") || strings.HasPrefix(a, "-pid="):
			_, v, _ := strings.Cut(a, "=")
			pid, err := strconv.ParseInt(v, 10, 32)
			if err != nil || pid <= 0 {
				return bad("--pid %q is not a process id", v)
			}
			r.PID = int32(pid)
		case strings.HasPrefix(a, "-"):
			return bad("unknown flag %q", a)
		case havePort:
			return bad("one port at a time")
		default:
			port, proto, err := content.ParsePortSpec(a)
			if err != nil {
				return bad("%v", err)
			}
			r.Port, r.Proto, havePort = port, proto, true
		}
	}
	if !havePort {
		return bad("explain which port?")
	}
	return r, nil
}

// parseHistory reads `ui history [--port N[/proto]] [--exe PATH]`. A port
// without a protocol searches both.
func parseHistory(args []string, bad func(string, ...any) (handoff.Request, error)) (handoff.Request, error) {
	r := handoff.Request{Kind: handoff.History}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") || (name != "port" && name != "exe") {
			return bad("history: unexpected %q", args[i])
		}
		if !hasValue {
			if i+1 >= len(args) {
				return bad("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if name == "exe" {
			if value == "" {
				return bad("--exe needs a path")
			}
			r.Exe = value
			continue
		}
		port, proto, err := content.ParseHistoryPort(value)
		if err != nil || port == 0 {
			return bad("--port %q is not a port", value)
		}
		r.Port, r.Proto = port, string(proto)
	}
	return r, nil
}

// Args is the inverse of Parse: the arguments that open r's window, e.g.
// ["explain", "2476/tcp"]. Parse(Args(r)) is r for every valid request.
func Args(r handoff.Request) []string {
	switch r.Kind {
	case handoff.Explain:
		args := []string{string(r.Kind), strconv.Itoa(int(r.Port)) + "/" + r.Proto}
		if r.PID != 0 {
			args = append(args, "--pid", strconv.Itoa(int(r.PID)))
		}
		return args
	case handoff.History:
		args := []string{string(r.Kind)}
		if r.Port != 0 {
			port := strconv.Itoa(int(r.Port))
			if r.Proto != "" {
				port += "/" + r.Proto
			}
			args = append(args, "--port", port)
		}
		if r.Exe != "" {
			args = append(args, "--exe", r.Exe)
		}
		return args
	default:
		return []string{string(r.Kind)}
	}
}
