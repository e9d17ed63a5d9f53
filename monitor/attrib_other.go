//go:build !linux

package monitor

import (
	"context"

	"github.com/shirou/gopsutil/v3/process"
)

// sourceAttributor takes each socket's owner from the source itself
// (gopsutil reports the pid with every connection).
type sourceAttributor struct{}

func newAttributor(_ string, _ int) attributor { return sourceAttributor{} }

func (sourceAttributor) attribute(_ context.Context, socks []Socket, pids []int32) error {
	for i, s := range socks {
		pids[i] = s.PID
	}
	return nil
}

func (sourceAttributor) forget(Socket) {}

// holders is the one owner the source reports.
func (sourceAttributor) holders(s Socket, out []int32) []int32 {
	if s.PID != 0 {
		out = append(out, s.PID)
	}
	return out
}

// holdersGen never changes: the source reports owners afresh each scan.
func (sourceAttributor) holdersGen() uint64 { return 0 }

// startKey is the process's creation time in milliseconds.
func (sourceAttributor) startKey(pid int32) (uint64, error) {
	p, err := process.NewProcess(pid)
	if err != nil {
		return 0, err
	}
	ms, err := p.CreateTime()
	return uint64(ms), err
}

// exeChanged is not checked here: the source reports owners afresh each scan.
func (sourceAttributor) exeChanged(int32, ExeIdentity, string) bool { return false }
