package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
)

func init() {
	register("explain", runExplain)
}

// ExplainOutput is the JSON document `portlight explain --json` prints: the
// port_info object, the plain-language explanation (content's sentences), the
// hand checks per OS, and who listens on the port now.
type ExplainOutput struct {
	portinfo.Info
	Explanation content.Summary     `json:"explanation"`
	Checks      []portinfo.Check    `json:"checks"`
	Listeners   []policy.Assessment `json:"listeners"`
	// ScanError is set when the listeners could not be scanned; the port
	// facts are still printed.
	ScanError string `json:"scan_error,omitempty"`
}

// parsePortArg reads "PORT" or "PORT/PROTO"; proto from the flag wins when the
// argument has none.
func parsePortArg(arg, flagProto string) (uint16, string, error) {
	portStr, proto, hasProto := strings.Cut(arg, "/")
	if !hasProto {
		proto = flagProto
	}
	p, ok := monitor.ParseProto(proto)
	if !ok {
		return 0, "", fmt.Errorf("protocol %q: want tcp, udp or sctp: %w", proto, ErrUsage)
	}
	proto = string(p)
	n, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return 0, "", fmt.Errorf("port %q: want a number from 0 to 65535: %w", portStr, ErrUsage)
	}
	return uint16(n), proto, nil
}

func runExplain(ctx context.Context, env Env) error {
	fs := newFlags("explain", env)
	proto := fs.String("proto", "tcp", "protocol: tcp, udp or sctp")
	asJSON := fs.Bool("json", false, "print JSON")
	// Accept flags after the port too: explain 5173 --json.
	args := env.Args
	var positional []string
	for len(args) > 0 {
		if help, err := parseFlags(fs, args); help || err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) != 1 {
		return fmt.Errorf("explain takes one PORT or PORT/PROTO: %w", ErrUsage)
	}
	port, pr, err := parsePortArg(positional[0], *proto)
	if err != nil {
		return err
	}
	info := portinfo.Lookup(port, pr)
	out := ExplainOutput{
		Info:      info,
		Checks:    portinfo.Checks(port, pr),
		Listeners: []policy.Assessment{},
	}
	snap, scanErr := scanOnce(ctx, monitor.WithPort(monitor.Proto(pr), port))
	if scanErr == nil && unforwarded(snap) {
		// A listener in another namespace is reached through its forwarders'
		// host ports, which may be other ports (pasta -t 8080:80): only a
		// scan of every port links them.
		if full, err := scanOnce(ctx); err == nil {
			snap = full
		}
	}
	if scanErr != nil {
		out.ScanError = scanErr.Error()
	}
	if len(snap.Listeners) > 0 {
		// The settings are read only when there is a listener to judge.
		j := openJudge(env.Stderr)
		for _, l := range snap.Listeners {
			if l.Port == port && string(l.Proto) == pr {
				out.Listeners = append(out.Listeners, j.assess(l))
			}
		}
	}
	// The JSON and the text say the same sentences: both come from content.
	ex := content.Explain(content.Input{
		Port: port, Proto: pr, Info: info,
		Scanned: scanErr == nil, ScanErr: scanErr,
		Now:    out.Listeners,
		Checks: content.FromChecks(out.Checks),
		At:     time.Now(),
	})
	if *asJSON {
		out.Explanation = ex.Summary()
		return writeJSON(env.Stdout, out)
	}
	_, err = fmt.Fprint(env.Stdout, content.Report(ex))
	return err
}

// unforwarded reports whether a snapshot has a listener in another network
// namespace that no forwarder seen reaches.
func unforwarded(snap monitor.Snapshot) bool {
	for _, l := range snap.Listeners {
		if l.Namespace.Inner() && l.Forwarder == nil {
			return true
		}
	}
	return false
}
