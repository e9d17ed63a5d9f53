//go:build !linux

package reach

import (
	"errors"
	"time"
)

// errUnsupported: reach is read from Linux's netlink only.
var errUnsupported = errors.New("reading interfaces and routes is implemented for Linux only")

// ReadKernel is not implemented here: listeners not on loopback are then
// taken as reachable from everywhere.
func ReadKernel() (*State, error) { return nil, errUnsupported }

// kernelEvents has no implementation here.
type kernelEvents struct{}

func subscribeKernel() (*kernelEvents, error)      { return nil, errUnsupported }
func (*kernelEvents) wait(time.Time) (bool, error) { return false, errUnsupported }
func (*kernelEvents) close() error                 { return nil }
