package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"portlight/monitor"
	"portlight/monitor/policy"
)

func init() {
	register("scan", runScan)
}

// ScanOutput is the JSON document `portlight scan --json` prints.
type ScanOutput struct {
	Listeners []policy.Assessment `json:"listeners"`
	// Engines says which container engines' API sockets were there and
	// whether they could be asked for their published ports.
	Engines []monitor.EngineStatus `json:"engines,omitempty"`
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("portlight "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = usage(fs, name)
	return fs
}

// parseFlags parses args, turning a flag error into a usage error and --help
// into a clean exit.
func parseFlags(fs *flag.FlagSet, args []string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, fmt.Errorf("%s: %w", fs.Name(), ErrUsage)
	}
	return false, nil
}

func runScan(ctx context.Context, env Env) error {
	fs := newFlags("scan", env)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if help, err := parseFlags(fs, env.Args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("scan takes no arguments: %w", ErrUsage)
	}
	sc := monitor.NewScanner()
	defer sc.Close()
	sc.AwaitEngines(ctx)
	snap, err := sc.Scan(ctx)
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	out := ScanOutput{Listeners: openJudge(env.Stderr).assessAll(snap.Listeners), Engines: sc.Engines()}
	if *asJSON {
		return writeJSON(env.Stdout, out)
	}
	return writeTable(env.Stdout, out.Listeners)
}

// scanOnce runs one scan with a fresh scanner.
func scanOnce(ctx context.Context, opts ...monitor.Option) (monitor.Snapshot, error) {
	sc := monitor.NewScanner(opts...)
	defer sc.Close()
	sc.AwaitEngines(ctx)
	snap, err := sc.Scan(ctx)
	if err != nil {
		return monitor.Snapshot{}, fmt.Errorf("scan: %w", err)
	}
	return snap, nil
}
