//go:build !linux

package resident

import (
	"context"
	"log/slog"
)

// sessionBusAvailable: the tray does not use D-Bus outside Linux.
func sessionBusAvailable() bool { return true }

// keepRegistered is Linux-only: other systems' trays need no watcher.
func keepRegistered(ctx context.Context, log *slog.Logger) error { return nil }
