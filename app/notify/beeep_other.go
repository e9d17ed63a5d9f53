//go:build !linux

package notify

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gen2brain/beeep"
)

// beeepNotifier is the macOS and Windows Notifier: beeep sends no actions
// and reports no clicks (gen2brain/beeep#72), so the tray's "Recent alerts"
// is the way to the explainer.
type beeepNotifier struct {
	icon string
}

// New returns the platform's notifier: beeep on macOS and Windows. onClick
// is never called there.
func New(icon string, onClick func(Click), log *slog.Logger) Notifier {
	beeep.AppName = "Portlight"
	return beeepNotifier{icon: icon}
}

// Notify shows m through beeep; a click on it is not reported.
func (b beeepNotifier) Notify(ctx context.Context, m Message) error {
	if err := beeep.Notify(m.Title, m.Body, b.icon); err != nil {
		return fmt.Errorf("beeep: %w: %w", ErrUnavailable, err)
	}
	return nil
}

// Actions is false: beeep reports no clicks.
func (beeepNotifier) Actions() bool { return false }

// Close does nothing: beeep keeps no connection.
func (beeepNotifier) Close() error { return nil }
