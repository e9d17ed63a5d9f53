// Package autostart starts Portlight when the user logs in: an XDG autostart
// .desktop file on Linux and the BSDs, a LaunchAgent on macOS, a value under
// the Run key on Windows. Each OS has its own file with the same functions:
// Enable, Disable, Enabled and Location.
//
// The resident process owns the setting: on every settings change it calls
// Sync(settings.StartAtLogin, exe), which writes or removes the entry only
// when it differs, so a change made by any process takes effect.
package autostart

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// AppID is Portlight's reverse-DNS id (FyneApp.toml), used as the
// LaunchAgent label and in file names.
const AppID = "dev.portlight.Portlight"

// Name is the name shown for the entry by the desktop.
const Name = "Portlight"

// Sync makes the login entry match want: an entry that runs exe with args,
// or none. It rewrites nothing that is already right.
func Sync(want bool, exe string, args ...string) error {
	if !want {
		on, err := Enabled()
		if err != nil || !on {
			return err
		}
		return Disable()
	}
	return Enable(exe, args...)
}

// checkCommand rejects what no login entry format can carry.
func checkCommand(exe string, args []string) error {
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("autostart: %q is not an absolute path", exe)
	}
	for _, s := range append([]string{exe}, args...) {
		if strings.ContainsAny(s, "\x00\r\n") {
			return errors.New("autostart: the command contains a control character")
		}
	}
	return nil
}
