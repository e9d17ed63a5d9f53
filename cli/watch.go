package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
)

func init() {
	register("watch", "run the monitor headless, one event per line (JSON lines with --json)", runWatch)
}

// WatchLine is one line of `portlight watch --json`. The flat fields are the
// stable export format shared with `portlight history --json`; listener holds
// the whole assessment.
type WatchLine struct {
	Time     time.Time         `json:"time"`
	Host     string            `json:"host"`
	Event    monitor.EventKind `json:"event"`
	Baseline bool              `json:"baseline,omitempty"`
	Proto    monitor.Proto     `json:"proto"`
	Port     uint16            `json:"port"`
	Address  string            `json:"address"`
	Exposure monitor.Exposure  `json:"exposure"`
	Exe      string            `json:"exe"`
	User     string            `json:"user"`
	PID      int32             `json:"pid"`
	Alert    bool              `json:"alert"`
	Reasons  []string          `json:"reasons"`
	Listener policy.Assessment `json:"listener"`
	Previous *monitor.Listener `json:"previous,omitempty"`
}

// newWatchLine builds the line for one event.
func newWatchLine(host string, e monitor.Event, baseline bool) WatchLine {
	a := policy.Assess(e.Listener)
	return WatchLine{
		Time: e.Time, Host: host, Event: e.Kind, Baseline: baseline,
		Proto: a.Proto, Port: a.Port, Address: a.Address, Exposure: a.Exposure,
		Exe: a.Exe, User: a.User, PID: a.PID,
		Alert: a.Verdict.Alert, Reasons: a.Verdict.Reasons,
		Listener: a, Previous: e.Previous,
	}
}

// textLine renders a watch line for people: time, event, endpoint, owner, verdict.
func textLine(l WatchLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-13s %d/%s %s %s %s pid=%s",
		l.Time.Format(time.RFC3339), l.Event, l.Port, l.Proto, l.Address, l.Exposure,
		processLabel(l.Listener.Listener), pidLabel(l.PID))
	if l.Exe != "" {
		fmt.Fprintf(&b, " exe=%s", safetext.Line(l.Exe, 200))
	}
	if l.Previous != nil {
		fmt.Fprintf(&b, " was=%s", processLabel(*l.Previous))
	}
	fmt.Fprintf(&b, " %s", verdictLabel(l.Listener.Verdict))
	if l.Baseline {
		b.WriteString(" (already listening at start)")
	}
	return b.String()
}

func runWatch(ctx context.Context, env Env) error {
	fs := newFlags("watch", env)
	interval := fs.Duration("interval", time.Second, "time between scans (a Go duration, e.g. 1s, 500ms)")
	asJSON := fs.Bool("json", false, "print JSON lines")
	if help, err := parseFlags(fs, env.Args); help || err != nil {
		return err
	}
	if *interval < 10*time.Millisecond {
		return fmt.Errorf("--interval %s is too short (minimum 10ms): %w", *interval, ErrUsage)
	}
	host, _ := os.Hostname()
	sc := monitor.NewScanner()
	defer sc.Close()
	p := &eventPrinter{w: env.Stdout, host: host, json: *asJSON}
	err := monitor.Watch(ctx, sc, *interval, p.print)
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("watch: %w", err)
	}
	return p.err
}

// eventPrinter writes the events of a watch loop. The first snapshot is the
// baseline: every listener in it is printed as opened, marked baseline.
type eventPrinter struct {
	w       io.Writer
	host    string
	json    bool
	started bool
	err     error
}

func (p *eventPrinter) print(snap monitor.Snapshot, events []monitor.Event) {
	baseline := !p.started
	if baseline {
		p.started = true
		events = make([]monitor.Event, 0, len(snap.Listeners))
		for _, l := range snap.Listeners {
			events = append(events, monitor.Event{Kind: monitor.Opened, Time: snap.Time, Listener: l})
		}
	}
	for _, e := range events {
		line := newWatchLine(p.host, e, baseline)
		var err error
		if p.json {
			var b []byte
			if b, err = json.Marshal(line); err == nil {
				_, err = fmt.Fprintf(p.w, "%s\n", b)
			}
		} else {
			_, err = fmt.Fprintln(p.w, textLine(line))
		}
		if err != nil && p.err == nil {
			p.err = fmt.Errorf("write event: %w", err)
		}
	}
}
