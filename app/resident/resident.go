// Package resident is the always-running Portlight process: the monitor loop,
// the tray icon and the notifier, without Fyne's GL driver.
package resident

import (
	"context"
	"errors"
)

// Options configures the resident process.
type Options struct{}

// Run runs the resident process until ctx is done or the user quits.
// STUB: replaced by the tray helper.
func Run(ctx context.Context, opts Options) error {
	return errors.New("resident: not implemented yet")
}
