package views

import (
	"errors"
	"fmt"

	"portlight/monitor"
)

// Allower records the user's "allow this app" choices. The settings store
// implements it; the explainer only calls it.
type Allower interface {
	// AllowApp allows the program at exe to listen on any port.
	AllowApp(exe string) error
	// AllowAppOnPort allows the program at exe to listen on port/proto.
	AllowAppOnPort(exe string, port uint16, proto monitor.Proto) error
}

// ErrNoSettings means the window process has no settings store: what needs
// one (allowing a program, the settings window) says so instead of acting.
var ErrNoSettings = errors.New("the settings file could not be opened")

// settingsMissing is the error the windows show without a settings store:
// ErrNoSettings with why, when known.
func settingsMissing(why error) error {
	if why == nil {
		return ErrNoSettings
	}
	return fmt.Errorf("%w: %w", ErrNoSettings, why)
}

// noAllower is the Allower without a settings store: every allow fails with
// the reason, which the explainer shows.
type noAllower struct{ err error }

// AllowApp implements Allower.
func (a noAllower) AllowApp(string) error { return a.err }

// AllowAppOnPort implements Allower.
func (a noAllower) AllowAppOnPort(string, uint16, monitor.Proto) error { return a.err }
