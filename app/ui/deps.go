package ui

import (
	"context"
	"log/slog"

	"portlight/app/ui/views"
	"portlight/internal/corestart"
	"portlight/monitor"
)

// openDeps opens what the windows use: a scanner, the history (for past
// owners and the history window) and the settings (for judging, the allow
// buttons, the settings, home and welcome windows). What cannot be had is
// said once (corestart's degraded mode) and left out; the windows say what
// is missing. closeAll closes what was opened, last first.
func openDeps(ctx context.Context, log *slog.Logger) (deps views.Deps, closeAll func()) {
	scanner := monitor.NewScanner()
	deps = views.Deps{Scanner: scanner} // the OS actions default to osact's
	// The history is read (past owners, searches, owner changes judged as
	// the tray does).
	core := corestart.Open(ctx, corestart.Options{History: corestart.ReadHistory, Log: log})
	for _, w := range core.Warnings {
		log.Warn(w.Error())
	}
	closeAll = func() {
		core.Close()
		scanner.Close()
	}
	if core.History != nil {
		deps.History = storeHistory{core.History}
		deps.Events = core.History // the history window's searches
	}
	wireHome(&deps, core.Settings, log)
	wireNetworks(ctx, &deps, core.Settings, log)
	if core.Settings == nil {
		// The windows judge with the defaults; the allow buttons and the
		// settings window say the settings could not be opened, and why.
		deps.SettingsErr = core.SettingsErr
		return deps, closeAll
	}
	wireSettings(ctx, &deps, core.Settings, scanner)
	return deps, closeAll
}
