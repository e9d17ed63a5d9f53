package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

	"portlight/app/settingsui"
	"portlight/app/ui/views"
	"portlight/monitor"
	"portlight/settings"
)

// wireSettings makes the windows judge under the user's settings, save "allow
// this app" to the allow-list, and open the real settings window. Changes made
// by another process (the tray, the CLI, a hand edit) are picked up every
// second.
func wireSettings(ctx context.Context, deps *views.Deps, store *settings.Store, scanner views.Scanner) {
	deps.Assess = store.Assess
	deps.Allower = settings.Allower{Store: store}
	deps.Settings = func(a fyne.App) fyne.Window {
		return settingsui.NewWithOptions(a, store, settingsui.Options{
			Listeners: func() []monitor.Listener {
				snap, err := scanner.Scan(ctx)
				if err != nil {
					return nil
				}
				return snap.Listeners
			},
			StartAtLogin: syncAutostart,
		})
	}
	go store.Watch(ctx, time.Second)
}
