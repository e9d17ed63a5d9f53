//go:build !unix

package resident

import "errors"

var errRunning = errors.New("another Portlight is running")

// lockResident: on Windows the window process's handoff lock is the only
// single-instance guard for now.
func lockResident() (release func(), err error) { return func() {}, nil }
