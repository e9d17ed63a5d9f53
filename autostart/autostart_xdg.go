//go:build linux || freebsd || netbsd || openbsd || dragonfly

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the autostart file's name, after the app id as the Desktop
// Entry specification recommends.
const FileName = AppID + ".desktop"

// Location returns the autostart file's path:
// $XDG_CONFIG_HOME/autostart/dev.portlight.Portlight.desktop.
func Location() (string, error) {
	c, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	return filepath.Join(c, "autostart", FileName), nil
}

// entry renders the .desktop file.
func entry(exe string, args []string) []byte {
	var b strings.Builder
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Name=" + Name + "\n")
	b.WriteString("Comment=Tells you when a program starts listening where nothing should\n")
	b.WriteString("Exec=" + execValue(exe, args) + "\n")
	b.WriteString("Icon=" + AppID + "\n")
	b.WriteString("Terminal=false\n")
	b.WriteString("NoDisplay=true\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return []byte(b.String())
}

// execValue renders an Exec value (Desktop Entry spec, "The Exec key"):
// arguments with reserved characters are double-quoted, with ", `, $ and \
// escaped by a backslash inside the quotes; % is doubled, since it starts a
// field code; then, the value being a string, every backslash is escaped
// once more.
func execValue(exe string, args []string) string {
	parts := make([]string, 0, 1+len(args))
	for _, a := range append([]string{exe}, args...) {
		parts = append(parts, quoteExecArg(a))
	}
	v := strings.Join(parts, " ")
	return strings.ReplaceAll(v, `\`, `\\`)
}

// quoteExecArg quotes one Exec argument when it needs it.
func quoteExecArg(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	if a != "" && !strings.ContainsAny(a, " \t\"'\\><~|&;$*?#()`=") {
		return a
	}
	r := strings.NewReplacer(`"`, `\"`, "`", "\\`", `$`, `\$`, `\`, `\\`)
	return `"` + r.Replace(a) + `"`
}
