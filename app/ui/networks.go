package ui

import (
	"context"
	"log/slog"

	"portlight/app/ui/views"
	"portlight/monitor/policy"
	"portlight/monitor/reach"
	"portlight/settings"
)

// wireNetworks makes the windows follow this machine's networks as the
// resident does (a listener's reach, the home's "On Wi-Fi 'Café'
// (public)"): without it, the window process would judge by the networks
// it read first, however long it stays open.
func wireNetworks(ctx context.Context, deps *views.Deps, store *settings.Store, log *slog.Logger) {
	w := reach.System()
	go func() {
		if err := w.Run(ctx); err != nil {
			log.Warn("network changes unheard: the windows show the networks read first", "err", err)
		}
	}()
	deps.Networks = func() ([]reach.Network, policy.NetworkRules) {
		var rules policy.NetworkRules
		if store != nil {
			rules = store.Settings().Networks
		}
		s := w.State()
		if s == nil {
			return nil, rules
		}
		return s.Networks(), rules
	}
}
