package provenance

import (
	"strconv"
	"strings"
)

// cgroupInfo is what a process's control group path says of who started it.
type cgroupInfo struct {
	unit, unitScope string
	container       *Container
	flatpakID       string   // from app-flatpak-<id>-<n>.scope
	desktopIDs      []string // candidate desktop ids from app-… unit names
	autostart       bool     // app-<id>@autostart.service
	vte             bool     // a terminal's vte-spawn-….scope
}

// cgroupPath picks the unified (v2) path from a /proc/PID/cgroup file; on
// a v1 or hybrid system, where that path is "/" or absent, the systemd
// hierarchy's path, else the first controller's that says something.
func cgroupPath(content string) string {
	var v2, named, other string
	for _, line := range strings.Split(content, "\n") {
		_, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		ctrl, p, ok := strings.Cut(rest, ":")
		switch {
		case !ok:
		case ctrl == "" && strings.HasPrefix(line, "0:"):
			v2 = p
		case ctrl == "name=systemd":
			named = p
		case other == "" && p != "/":
			other = p
		}
	}
	for _, p := range []string{v2, named, other} {
		if p != "" && p != "/" {
			return p
		}
	}
	return v2
}

// parseCgroup reads a cgroup path.
func parseCgroup(path string) cgroupInfo {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	info := cgroupInfo{container: containerOf(segs)}
	userAt := -1
	for i, s := range segs {
		if strings.HasPrefix(s, "user@") && strings.HasSuffix(s, ".service") {
			userAt = i
		}
	}
	if userAt >= 0 && userAt+1 < len(segs) {
		info.unitScope = "user"
		for _, s := range segs[userAt+1:] {
			if isUnit(s) {
				info.unit = s // the deepest unit: a scope inside app.slice
			}
		}
	} else {
		for _, s := range segs {
			if isUnit(s) {
				info.unit, info.unitScope = s, "system"
				break
			}
		}
	}
	u := info.unit
	switch {
	case strings.HasPrefix(u, "vte-spawn-") && strings.HasSuffix(u, ".scope"):
		info.vte = true
	case strings.HasPrefix(u, "app-flatpak-") && strings.HasSuffix(u, ".scope"):
		id := strings.TrimSuffix(strings.TrimPrefix(u, "app-flatpak-"), ".scope")
		if i := strings.LastIndexByte(id, '-'); i > 0 {
			id = id[:i]
		}
		info.flatpakID = unescapeUnit(id)
	case strings.HasPrefix(u, "app-"):
		info.desktopIDs, info.autostart = appUnitIDs(u)
	}
	return info
}

func isUnit(s string) bool {
	return strings.HasSuffix(s, ".service") || strings.HasSuffix(s, ".scope")
}

// appUnitIDs reads the desktop id from systemd's names for applications:
// app[-<launcher>]-<id>-<random>.scope and app[-<launcher>]-<id>[@<random>].service.
// The launcher part cannot be told from an id with dashes, so both readings
// are returned, the whole first.
func appUnitIDs(unit string) (ids []string, autostart bool) {
	name := strings.TrimPrefix(unit, "app-")
	if s, ok := strings.CutSuffix(name, ".scope"); ok {
		name = s
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
	} else {
		name = strings.TrimSuffix(name, ".service")
		var inst string
		name, inst, _ = strings.Cut(name, "@")
		autostart = inst == "autostart"
	}
	if name == "" {
		return nil, autostart
	}
	ids = []string{unescapeUnit(name)}
	if _, rest, ok := strings.Cut(name, "-"); ok && rest != "" {
		ids = append(ids, unescapeUnit(rest))
	}
	return ids, autostart
}

// unescapeUnit undoes systemd's \xNN escaping in unit names.
func unescapeUnit(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// containerOf recognises the cgroup paths container engines create, with
// systemd's driver (…-<id>.scope) and with plain cgroupfs (/docker/<id>).
func containerOf(segs []string) *Container {
	scoped := []struct{ prefix, engine string }{
		{"docker-", "docker"},
		{"libpod-conmon-", "podman"}, // podman's monitor, beside the container
		{"libpod-", "podman"},
		{"cri-containerd-", "containerd"},
		{"nerdctl-", "containerd"},
		{"crio-", "cri-o"},
	}
	for i, s := range segs {
		for _, sc := range scoped {
			if id, ok := strings.CutPrefix(s, sc.prefix); ok {
				id = strings.TrimSuffix(id, ".scope")
				if isHexID(id) {
					return &Container{Engine: sc.engine, ID: id}
				}
			}
		}
		next := ""
		if i+1 < len(segs) {
			next = segs[i+1]
		}
		switch {
		case s == "docker" && isHexID(next):
			return &Container{Engine: "docker", ID: next}
		case strings.HasPrefix(s, "lxc.payload."):
			return &Container{Engine: "lxc", Name: strings.TrimPrefix(s, "lxc.payload.")}
		case i == 0 && s == "lxc" && next != "":
			return &Container{Engine: "lxc", Name: next}
		case strings.HasPrefix(s, "systemd-nspawn@") && strings.HasSuffix(s, ".service"):
			name := strings.TrimSuffix(strings.TrimPrefix(s, "systemd-nspawn@"), ".service")
			return &Container{Engine: "systemd-nspawn", Name: unescapeUnit(name)}
		case i == 0 && (s == "k8s.io" || s == "default") && next != "":
			// containerd's cgroupfs layout: /<namespace>/<container>; on a
			// systemd machine nothing else makes top-level groups but slices.
			return &Container{Engine: "containerd", ID: next}
		}
	}
	return nil
}

// isHexID reports whether s looks like an engine's container id: hex, at
// least 12 digits (full ids are 64).
func isHexID(s string) bool {
	if len(s) < 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ContainerOfCgroup returns the container a /proc/PID/cgroup file's content
// places its process in, nil when none: what the monitor says of a network
// namespace whose members run in a container.
func ContainerOfCgroup(content string) *Container {
	return parseCgroup(cgroupPath(content)).container
}
