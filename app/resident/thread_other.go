//go:build !((linux || freebsd || openbsd || netbsd) && !android)

package resident

// freeMainThread keeps the main thread locked where the tray needs it.
func freeMainThread() {}
