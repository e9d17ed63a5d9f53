package policy

import (
	"fmt"
	"strings"

	"portlight/monitor"
	"portlight/provenance"
)

// provenanceReasons say where the program came from: its package, bundle
// or none, and its container.
func provenanceReasons(o provenance.Origin) []string {
	var rs []string
	switch o.Manager {
	case "":
		rs = append(rs, "not from any package")
	case "flatpak":
		rs = append(rs, strings.TrimSpace("Flatpak app "+shown(firstOf(o.AppID, o.Package))+" "+shown(o.Version)))
	case "snap":
		rs = append(rs, strings.TrimSpace("snap "+shown(firstOf(o.AppID, o.Package))+" "+shown(o.Version)))
	case "appimage":
		rs = append(rs, "AppImage "+shown(o.AppImage))
	default:
		rs = append(rs, strings.TrimSpace(fmt.Sprintf("shipped by package %s %s", shown(o.Package), shown(o.Version)))+" ("+shown(o.Manager)+")")
	}
	if c := o.Container; c != nil {
		s := "runs in the " + shown(c.Engine) + " container " + shown(firstOf(c.Name, c.ID))
		if c.Image != "" {
			s += " (image " + shown(c.Image) + ")"
		}
		rs = append(rs, s)
	}
	return rs
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Fingerprint identifies a program's file beyond its path: "package
// MANAGER:NAME VERSION" for a packaged file, else "sha256:HEX" (when the
// policy can hash and the file is the one running), else "inode DEV:INO",
// else "". It changes when the program is updated or replaced.
func (p *Policy) Fingerprint(proc monitor.Process, o provenance.Origin) string {
	if o.Packaged() {
		return strings.TrimSpace(fmt.Sprintf("package %s:%s %s", o.Manager, firstOf(o.Package, o.AppID), o.Version))
	}
	path, deleted := strings.CutSuffix(proc.Exe, deletedSuffix)
	st := proc.Identity.State
	if p.Hash != nil && path != "" && !deleted && (st == monitor.ExeOK || st == monitor.ExeUnknown) {
		if sum, err := p.Hash(path); err == nil {
			return "sha256:" + sum
		}
	}
	if proc.Identity.Inode != 0 {
		return fmt.Sprintf("inode %d:%d", proc.Identity.Dev, proc.Identity.Inode)
	}
	return ""
}
