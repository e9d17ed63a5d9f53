//go:build !unix && !windows

package osact

import "errors"

func opener(dir string) (string, []string) { return "xdg-open", []string{dir} }

func ignoreExit(error) bool { return false }

func terminate(int) error { return errors.New("ending processes is not supported on this system") }
