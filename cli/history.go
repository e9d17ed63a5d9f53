package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"portlight/history"
	"portlight/monitor"
	"portlight/safetext"
)

func init() {
	register("history", runHistory)
}

func runHistory(ctx context.Context, env Env) error {
	fs := newFlags("history", env)
	port := fs.Uint("port", 0, "only this port")
	proto := fs.String("proto", "", "only this protocol: tcp, udp or sctp")
	exe := fs.String("exe", "", "only this executable (full path)")
	since := fs.String("since", "", "only events since then: a duration back (24h, 7d, 2w), a date (2006-01-02) or RFC 3339")
	limit := fs.Int("limit", history.DefaultLimit, "show the last N events")
	asJSON := fs.Bool("json", false, "print JSON lines (stable fields, for log shippers)")
	db := fs.String("db", "", "history database (default: history.db in the state folder)")
	if help, err := parseFlags(fs, env.Args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("history takes no arguments: %w", ErrUsage)
	}
	q := history.Query{Exe: *exe, Limit: *limit}
	if *port > 65535 {
		fmt.Fprintf(env.Stderr, "portlight history: --port %d is not a port\n", *port)
		return fmt.Errorf("history: bad --port: %w", ErrUsage)
	}
	q.Port = uint16(*port)
	if *proto != "" {
		p, ok := monitor.ParseProto(*proto)
		if !ok {
			fmt.Fprintf(env.Stderr, "portlight history: --proto must be tcp, udp or sctp, not %q\n", *proto)
			return fmt.Errorf("history: bad --proto: %w", ErrUsage)
		}
		q.Proto = p
	}
	if *limit <= 0 {
		fmt.Fprintln(env.Stderr, "portlight history: --limit must be at least 1")
		return fmt.Errorf("history: bad --limit: %w", ErrUsage)
	}
	if *since != "" {
		t, err := history.ParseSince(*since, time.Now())
		if err != nil {
			fmt.Fprintf(env.Stderr, "portlight history: --since: %v\n", err)
			return fmt.Errorf("history: bad --since: %w", ErrUsage)
		}
		q.Since = t
	}

	s, err := history.Open(ctx, history.Options{Path: *db})
	if err != nil {
		return err
	}
	defer s.Close()
	if p := s.Problem(); p != nil {
		fmt.Fprintln(env.Stderr, "portlight:", p)
	}
	lines, err := s.Events(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeHistoryLines(env.Stdout, lines)
	}
	if len(lines) == 0 {
		fmt.Fprintln(env.Stdout, "No matching events in", s.Path())
		return nil
	}
	return writeHistoryTable(env.Stdout, lines)
}

// writeHistoryLines writes one compact JSON object per line.
func writeHistoryLines(w io.Writer, lines []history.Line) error {
	for _, l := range lines {
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		if _, err := fmt.Fprintf(w, "%s\n", escapeBidi(b)); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
	}
	return nil
}

// writeHistoryTable writes events as an aligned table, oldest first.
func writeHistoryTable(w io.Writer, lines []history.Line) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tEVENT\tPORT\tADDRESS\tPID\tUSER\tEXE\tDETAIL")
	for _, l := range lines {
		fmt.Fprintf(tw, "%s\t%s\t%d/%s\t%s\t%s\t%s\t%s\t%s\n",
			l.Time.Local().Format("2006-01-02 15:04:05"), l.Event, l.Port, l.Proto, l.Address,
			pidLabel(l.PID), historyDash(safetext.Line(l.User, 24)), historyDash(safetext.Line(l.Exe, 80)), historyDash(historyDetail(l)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// historyDetail is the last column: which namespace or container, for a
// listener not in the host's; the previous owner, or an alert's reasons and
// what the user did.
func historyDetail(l history.Line) string {
	var parts []string
	if w := l.Where(); w != "" {
		parts = append(parts, safetext.Line(w, 80))
	}
	if l.PreviousExe != "" {
		parts = append(parts, "was "+safetext.Line(l.PreviousExe, 80))
	}
	if len(l.Reasons) > 0 {
		parts = append(parts, safetext.Line(strings.Join(l.Reasons, "; "), 160))
	}
	if l.Action != "" {
		parts = append(parts, "("+l.Action+")")
	}
	return strings.Join(parts, " ")
}

func historyDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
