package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/safetext"
	"portlight/settings"
)

func init() {
	register("allow", runAllow)
	register("disallow", runDisallow)
}

// AllowListOutput is the JSON document `portlight allow --list --json`
// prints.
type AllowListOutput struct {
	// Settings is the settings file's path.
	Settings string `json:"settings"`
	// Problem is the settings store's problem, if any (see settings.Store).
	Problem string              `json:"problem,omitempty"`
	Allow   []policy.AllowEntry `json:"allow"`
}

// portsFlag collects --port N, repeatable and comma-separated.
type portsFlag []uint16

func (p *portsFlag) String() string { return fmt.Sprint([]uint16(*p)) }

func (p *portsFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("%q is not a port (1–65535)", s)
		}
		*p = append(*p, uint16(n))
	}
	return nil
}

func runAllow(ctx context.Context, env Env) error {
	fs := newFlags("allow", env)
	var ports portsFlag
	fs.Var(&ports, "port", "allow only this port (repeatable, or comma-separated); default: any port")
	proto := fs.String("proto", "", "allow only this protocol: tcp, udp or sctp; default: any")
	pin := fs.Bool("pin", false, "pin the entry to the file's SHA-256: a replaced binary alerts as changed")
	script := fs.String("script", "", "for an interpreter, allow only this script (made absolute), e.g. /srv/app.py")
	args := fs.String("args", "", "for an interpreter, allow only scripts whose absolute path matches this glob (not starting with '*'), e.g. '/srv/app/*.py'")
	anyScript := fs.Bool("any-script", false, "allow an interpreter (python, node, ...) without --script: every script it runs")
	note := fs.String("note", "", "a note to keep with the entry")
	list := fs.Bool("list", false, "list the allow-list instead")
	asJSON := fs.Bool("json", false, "with --list, print JSON")
	fs.Usage = usage(fs, "allow")
	pos, help, err := parseInterleaved(fs, env.Args)
	if help || err != nil {
		return err
	}
	store, err := settings.OpenDefault()
	if err != nil {
		return err
	}
	if *list {
		if len(pos) > 0 || len(ports) > 0 || *pin || *args != "" || *script != "" || *note != "" || *proto != "" {
			return fmt.Errorf("allow --list takes no path and no entry flags: %w", ErrUsage)
		}
		return writeAllowList(env, store, *asJSON)
	}
	if *asJSON {
		return fmt.Errorf("allow: --json goes with --list: %w", ErrUsage)
	}
	if len(pos) != 1 {
		return fmt.Errorf("allow takes one PATH: %w", ErrUsage)
	}
	var p monitor.Proto
	if *proto != "" {
		var ok bool
		if p, ok = monitor.ParseProto(*proto); !ok {
			return fmt.Errorf("allow: --proto %q is not tcp, udp or sctp: %w", *proto, ErrUsage)
		}
	}
	path, err := settings.ResolveExecutable(pos[0])
	if err != nil {
		return fmt.Errorf("allow: %w", err)
	}
	if policy.IsInterpreter(path) && *args == "" && *script == "" && !*anyScript {
		return fmt.Errorf("allow: %s is an interpreter, and allowing it allows every script it runs; "+
			"add --script FILE (e.g. --script /srv/app.py) or --any-script: %w", path, ErrUsage)
	}
	scriptPath := ""
	if *script != "" {
		if scriptPath, err = filepath.Abs(*script); err != nil {
			return fmt.Errorf("allow: --script: %w", err)
		}
	}
	e := policy.AllowEntry{Path: path, Ports: ports, Proto: p, Script: scriptPath, Args: *args, Note: *note,
		Added: time.Now().UTC().Truncate(time.Second)}
	if err := e.Validate(); err != nil {
		return fmt.Errorf("allow: %w: %w", err, ErrUsage)
	}
	if *pin {
		if e.SHA256, err = policy.SharedHasher.Sum(path); err != nil {
			return fmt.Errorf("allow: pin: %w", err)
		}
	}
	warnProblem(env, store)
	replaced := false
	if err := store.Update(func(s *settings.Settings) error {
		replaced = s.AllowEntry(e)
		return nil
	}); err != nil {
		return fmt.Errorf("allow: %w", err)
	}
	msg := "allowed: " + e.Describe()
	if replaced {
		msg += " (replaces the previous entry)"
	}
	fmt.Fprintln(env.Stdout, msg)
	return nil
}

func runDisallow(ctx context.Context, env Env) error {
	fs := newFlags("disallow", env)
	fs.Usage = usage(fs, "disallow")
	pos, help, err := parseInterleaved(fs, env.Args)
	if help || err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("disallow takes one PATH: %w", ErrUsage)
	}
	// The file may be gone already: match the resolved path when it can
	// be resolved, and the absolute path as given either way.
	abs, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("disallow: %w", err)
	}
	candidates := []string{abs}
	if r, err := filepath.EvalSymlinks(abs); err == nil && r != abs {
		candidates = append(candidates, r)
	}
	store, err := settings.OpenDefault()
	if err != nil {
		return err
	}
	warnProblem(env, store)
	removed := 0
	if err := store.Update(func(s *settings.Settings) error {
		for _, c := range candidates {
			removed += s.Disallow(c)
		}
		if removed == 0 {
			return errNoEntry
		}
		return nil
	}); err != nil {
		if errors.Is(err, errNoEntry) {
			return fmt.Errorf("disallow: no allow-list entry for %s", strings.Join(candidates, " or "))
		}
		return fmt.Errorf("disallow: %w", err)
	}
	fmt.Fprintf(env.Stdout, "disallowed: %s (%d %s removed)\n", candidates[len(candidates)-1], removed, plural(removed, "entry", "entries"))
	return nil
}

// errNoEntry abandons a disallow that matched nothing.
var errNoEntry = errors.New("no entry")

// parseInterleaved parses flags that may come before or after positional
// arguments ("allow PATH --port 80"), which flag.Parse alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) (pos []string, help bool, err error) {
	for {
		if help, err := parseFlags(fs, args); help || err != nil {
			return nil, help, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, false, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), false, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// warnProblem tells the user about a settings file problem before writing.
func warnProblem(env Env, store *settings.Store) {
	if p := store.Problem(); p != "" {
		fmt.Fprintln(env.Stderr, "portlight: warning:", p)
	}
}

// writeAllowList prints the allow-list as a table or JSON.
func writeAllowList(env Env, store *settings.Store, asJSON bool) error {
	s := store.Settings()
	if asJSON {
		out := AllowListOutput{Settings: store.Path(), Problem: store.Problem(), Allow: s.Allow}
		if out.Allow == nil {
			out.Allow = []policy.AllowEntry{}
		}
		return writeJSON(env.Stdout, out)
	}
	warnProblem(env, store)
	if len(s.Allow) == 0 {
		fmt.Fprintf(env.Stdout, "The allow-list is empty (%s).\n", store.Path())
		return nil
	}
	return writeAllowTable(env.Stdout, s.Allow)
}

// writeAllowTable writes allow-list entries as an aligned table.
func writeAllowTable(w io.Writer, es []policy.AllowEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tSCOPE\tPIN\tARGS\tADDED\tNOTE")
	for _, e := range es {
		pin, added := "-", "-"
		if e.SHA256 != "" {
			pin = e.SHA256[:12]
		}
		if !e.Added.IsZero() {
			added = e.Added.Local().Format("2006-01-02 15:04")
		}
		args := "-"
		switch {
		case e.Script != "":
			args = safetext.Line(e.Script, 40)
		case e.Args != "":
			args = safetext.Line(e.Args, 40)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", safetext.Line(e.Path, 80), e.Scope(), pin, args, added, safetext.Line(e.Note, 60))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// plural picks a word form for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
