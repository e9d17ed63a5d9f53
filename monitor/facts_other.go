//go:build !linux

package monitor

import (
	"context"
	"time"

	"github.com/shirou/gopsutil/v3/process"
)

// procReader reads a process's facts through gopsutil. Identity, Cwd and
// Script stay empty here; Argv is bounded as on Linux, after the fact.
type procReader struct{}

func newProcReader(string) *procReader { return &procReader{} }

// read returns the facts of pid. A field that cannot be read is left empty.
func (*procReader) read(ctx context.Context, pid int32, userName func(uint32) string) (Process, error) {
	gp, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return Process{}, errProcessGone
	}
	p := Process{PID: pid}
	p.Exe, _ = gp.ExeWithContext(ctx)
	p.Name, _ = gp.NameWithContext(ctx)
	if args, err := gp.CmdlineSliceWithContext(ctx); err == nil {
		p.Argv = boundArgs(args)
		p.Cmdline = joinArgv(p.Argv)
	}
	if ppid, err := gp.PpidWithContext(ctx); err == nil {
		p.PPID = ppid
	}
	p.Cwd, _ = gp.CwdWithContext(ctx)
	if len(p.Argv) > 0 {
		p.Script, _ = ScriptOf(append([]string{p.Exe}, p.Argv[1:]...), p.Cwd)
	}
	if u, err := gp.UsernameWithContext(ctx); err == nil {
		p.User = u
	} else if uids, err := gp.UidsWithContext(ctx); err == nil && len(uids) > 0 {
		p.User = userName(uint32(uids[0]))
	}
	if ms, err := gp.CreateTimeWithContext(ctx); err == nil && ms > 0 {
		p.StartTime = time.UnixMilli(ms)
	}
	return p, nil
}

// boundArgs applies the bounds of argv.go to an argument list read whole.
func boundArgs(args []string) []string {
	var b []byte
	for _, a := range args {
		b = append(append(b, a...), 0)
		if len(b) > maxCmdlineBytes {
			return splitCmdline(b[:maxCmdlineBytes], true)
		}
	}
	return splitCmdline(b, false)
}
