package ui

import (
	"context"
	"log/slog"

	"portlight/app/ui/views"
	"portlight/history"
	"portlight/monitor"
	"portlight/settings"
)

// openDeps opens what the windows use: a scanner, the history (for past
// owners and the history window) and the settings (for judging, the allow
// buttons, the settings, home and welcome windows). A part that cannot be
// opened is logged and left out; the windows say what is missing. closeAll
// closes what was opened, last first.
func openDeps(ctx context.Context, log *slog.Logger) (deps views.Deps, closeAll func()) {
	var closers []func()
	closeAll = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	scanner := monitor.NewScanner()
	closers = append(closers, func() { scanner.Close() })
	deps = views.Deps{Scanner: scanner} // the OS actions default to osact's
	var hist *history.Store
	if store, err := history.Open(ctx, history.Options{Logger: log}); err != nil {
		log.Warn("history unavailable; the explainer will not show past owners", "err", err)
	} else {
		closers = append(closers, func() { store.Close() })
		hist = store
		deps.History = storeHistory{store}
		deps.Events = store // the history window's searches
	}
	store, err := settings.OpenDefault()
	if err != nil {
		// The windows judge with the defaults; the allow buttons and the
		// settings window say the settings could not be opened, and why.
		log.Warn("settings unavailable; judging with the defaults", "err", err)
		deps.SettingsErr = err
		wireHome(&deps, nil, log)
		return deps, closeAll
	}
	wireHome(&deps, store, log)
	if hist != nil {
		// Judge owner changes as the tray does; detached before the
		// history closes (closers run last first).
		store.SetUsualOwners(hist)
		closers = append(closers, func() { store.SetUsualOwners(nil) })
	}
	wireSettings(ctx, &deps, store, scanner)
	return deps, closeAll
}
