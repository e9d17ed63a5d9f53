package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"portlight/history"
	"portlight/internal/corestart"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/safetext"
)

func init() {
	register("watch", runWatch)
}

// WatchLine is one line of `portlight watch --json`: the flat, stable fields of
// history.Line (shared with `portlight history --json`, for log shippers), then
// baseline, the whole assessed listener, and the previous owner.
type WatchLine struct {
	history.Line
	// Baseline marks listeners that were already there when watch started.
	Baseline bool
	Listener policy.Assessment
	Previous *monitor.Listener
}

// MarshalJSON writes history.Line's fields followed by baseline, listener and
// previous. (Embedding alone would promote Line's MarshalJSON and drop them.)
func (w WatchLine) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(w.Line)
	if err != nil {
		return nil, err
	}
	tail, err := json.Marshal(struct {
		Baseline bool              `json:"baseline,omitempty"`
		Listener policy.Assessment `json:"listener"`
		Previous *monitor.Listener `json:"previous,omitempty"`
	}{w.Baseline, w.Listener, w.Previous})
	if err != nil {
		return nil, err
	}
	head = bytes.TrimSuffix(bytes.TrimSpace(head), []byte("}"))
	return append(append(head, ','), tail[1:]...), nil
}

// newWatchLine builds the line for one event.
func newWatchLine(j judge, host string, e monitor.Event, baseline bool) WatchLine {
	a := j.assess(e.Listener)
	l := history.LineFromEvent(e, host, a.Verdict.Reasons)
	l.Alert = a.Verdict.Alert
	return WatchLine{Line: l, Baseline: baseline, Listener: a, Previous: e.Previous}
}

// textLine renders a watch line for people: time, event, endpoint, owner, verdict.
func textLine(l WatchLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-13s %d/%s %s %s %s pid=%s",
		l.Time.Local().Format(time.RFC3339), l.Event, l.Port, l.Proto, l.Address, l.Exposure,
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
	interval := fs.Duration("interval", monitor.DefaultInterval, "time between scans (a Go duration, e.g. 1s, 500ms)")
	asJSON := fs.Bool("json", false, "print JSON lines (the same fields as history --json, plus the listener)")
	noHistory := fs.Bool("no-history", false, "do not record events in the history database")
	if help, err := parseFlags(fs, env.Args); help || err != nil {
		return err
	}
	if *interval < 10*time.Millisecond {
		return fmt.Errorf("--interval %s is too short (minimum 10ms): %w", *interval, ErrUsage)
	}
	host, _ := os.Hostname()
	// Watching goes on without recording when the history cannot be had
	// (see corestart's degraded mode); the reason is printed once.
	use := corestart.RecordHistory
	if *noHistory {
		use = corestart.NoHistory
	}
	core := openCore(ctx, env.Stderr, corestart.Options{History: use})
	defer func() {
		if err := core.Close(); err != nil {
			slog.Warn("close history", "subsystem", "history", "err", err)
		}
	}()
	p := &eventPrinter{w: env.Stdout, host: host, json: *asJSON, judge: judge{core: core}, rec: core.Recorder}
	sc := monitor.NewScanner()
	defer sc.Close()
	go func() {
		if err := reach.System().Run(ctx); err != nil {
			fmt.Fprintf(env.Stderr, "portlight: %v; reach is judged by the networks as they were at start\n", err)
		}
	}()
	err := monitor.Watch(ctx, sc, *interval, p.print, monitor.InitialOpened())
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("watch: %w", err)
	}
	return p.err
}

// eventPrinter writes the events of a watch loop, and hands them to the
// history recorder. The watch loop reports the first snapshot's listeners as
// opened (monitor.InitialOpened): they are printed marked baseline.
type eventPrinter struct {
	w       io.Writer
	host    string
	json    bool
	rec     *history.Recorder
	judge   judge
	started bool
	err     error
}

func (p *eventPrinter) print(_ monitor.Snapshot, events []monitor.Event) {
	p.judge.refresh()
	baseline := !p.started
	p.started = true
	if p.rec != nil && len(events) > 0 {
		p.rec.Record(events)
	}
	for _, e := range events {
		line := newWatchLine(p.judge, p.host, e, baseline)
		var err error
		if p.json {
			var b []byte
			if b, err = json.Marshal(line); err == nil {
				_, err = fmt.Fprintf(p.w, "%s\n", escapeBidi(b))
			}
		} else {
			_, err = fmt.Fprintln(p.w, textLine(line))
		}
		if err != nil && p.err == nil {
			p.err = fmt.Errorf("write event: %w", err)
		}
	}
}
