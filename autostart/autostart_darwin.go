package autostart

import (
	"fmt"
	"os"
	"path/filepath"
)

// Location returns the LaunchAgent's path:
// ~/Library/LaunchAgents/dev.portlight.Portlight.plist.
func Location() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	return filepath.Join(home, "Library", "LaunchAgents", AppID+".plist"), nil
}

// entry renders the LaunchAgent: it runs exe with args at login, in the
// user's GUI session (Aqua), without restarting it when it quits.
func entry(exe string, args []string) []byte { return plist(exe, args) }
