package provenance

import (
	"path/filepath"
	"strings"
)

// bundle is what an executable's path says of a Flatpak, Snap or AppImage.
type bundle struct {
	manager, appID, version, appImage string
}

// bundleByPath recognises the places bundle formats keep their programs.
func bundleByPath(exe, home string) bundle {
	if id := flatpakAppFromPath(exe, home); id != "" {
		return bundle{manager: "flatpak", appID: id}
	}
	for _, base := range []string{"/snap/", "/var/lib/snapd/snap/"} {
		if rest, ok := strings.CutPrefix(exe, base); ok {
			if name, _, ok := strings.Cut(rest, "/"); ok && name != "bin" {
				return bundle{manager: "snap", appID: name}
			}
		}
	}
	if rest, ok := strings.CutPrefix(exe, "/tmp/.mount_"); ok && strings.Contains(rest, "/") {
		return bundle{manager: "appimage"}
	}
	return bundle{}
}

// flatpakAppFromPath reads <id> from .../flatpak/app/<id>/... paths, the
// system and per-user installations.
func flatpakAppFromPath(exe, home string) string {
	bases := []string{"/var/lib/flatpak/app/"}
	if home != "" {
		bases = append(bases, filepath.Join(home, ".local/share/flatpak/app")+"/")
	}
	for _, base := range bases {
		if rest, ok := strings.CutPrefix(exe, base); ok {
			if id, _, ok := strings.Cut(rest, "/"); ok && id != "" {
				return id
			}
		}
	}
	return ""
}

// bundleByProcess adds what the process itself says: a sandbox's
// .flatpak-info, an AppImage's runtime variables (APPDIR is its mount, and
// only programs inside it belong to it: children inherit the variables),
// and snapd's SNAP variables.
func bundleByProcess(b bundle, exe string, env map[string]string, flatpakID string) bundle {
	if flatpakID != "" {
		return bundle{manager: "flatpak", appID: flatpakID}
	}
	if img := env["APPIMAGE"]; img != "" {
		dir := env["APPDIR"]
		if exe == img || (dir != "" && strings.HasPrefix(exe, strings.TrimSuffix(dir, "/")+"/")) ||
			(dir == "" && b.manager == "appimage") {
			return bundle{manager: "appimage", appImage: img}
		}
	}
	if snap := env["SNAP"]; snap != "" && strings.HasPrefix(exe, strings.TrimSuffix(snap, "/")+"/") {
		name := env["SNAP_INSTANCE_NAME"]
		if name == "" {
			name = env["SNAP_NAME"]
		}
		if name == "" {
			name = b.appID
		}
		return bundle{manager: "snap", appID: name, version: env["SNAP_VERSION"]}
	}
	return b
}
