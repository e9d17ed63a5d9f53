//go:build (linux || freebsd || openbsd || netbsd) && !android

package resident

import "runtime"

// freeMainThread undoes fyne.io/systray's init, which locks the main
// goroutine to the main OS thread for the toolkits of macOS and Windows.
// Here the tray speaks D-Bus from any thread, and the lock cost the idle
// resident thread hand-offs on every tick: a timer fired on one thread,
// the loop ran on another (see docs/binaries.md). Called on the main
// goroutine it releases the lock; elsewhere it does nothing.
func freeMainThread() { runtime.UnlockOSThread() }
