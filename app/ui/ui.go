// Package ui is the on-demand window process (`portlight ui ...`): the
// explainer, listeners and settings windows, built with Fyne.
package ui

import "errors"

// Run runs the window process with its arguments (after "ui").
// STUB: replaced by the windows helper.
func Run(args []string) error {
	return errors.New("ui: not implemented yet")
}
