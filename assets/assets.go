// Package assets embeds Portlight's icons: the tray icon in its idle and
// unread-alert states and the application icon. The PNG files are drawn by
// ./gen (run `go generate ./assets` after changing it).
package assets

import _ "embed"

//go:generate go run ./gen

// TrayIdle is the tray icon when there is no unread alert (64×64 PNG; the
// StatusNotifierItem tray rejects SVG).
//
//go:embed tray-idle.png
var TrayIdle []byte

// TrayAlert is the tray icon when at least one alert is unread (64×64 PNG,
// the idle icon with a red badge).
//
//go:embed tray-alert.png
var TrayAlert []byte

// AppIcon is the application icon (512×512 PNG), for windows, packaging and
// notifications.
//
//go:embed icon.png
var AppIcon []byte
