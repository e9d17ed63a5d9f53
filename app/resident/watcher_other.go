//go:build !linux

package resident

import (
	"context"
	"errors"
	"log/slog"
)

// sessionBusAvailable: the tray does not use D-Bus outside Linux.
func sessionBusAvailable() bool { return true }

// keepRegistered is Linux-only: other systems' trays need no watcher.
func keepRegistered(ctx context.Context, log *slog.Logger, onNotifier func(), onHost func(bool)) error {
	return nil
}

// hostPresent: other systems always have a tray area.
func hostPresent() (bool, error) { return true, nil }

// errSessionGone is never returned outside Linux.
var errSessionGone = errors.New("session bus closed")
