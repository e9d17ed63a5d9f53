package provenance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Options says where the resolver finds the system's records. The zero
// value describes the running system.
type Options struct {
	// Root is the file system holding var/lib/dpkg, usr/share and etc/xdg;
	// "" is "/". Tests point it at a fake tree.
	Root string
	// Home is the user's home directory, for ~/.local/share and ~/.config;
	// "" is $HOME.
	Home string
	// XDGDataDirs are the shared data directories searched for
	// applications/*.desktop; nil is $XDG_DATA_DIRS, or Root's
	// usr/local/share and usr/share.
	XDGDataDirs []string
	// ProcRoot is the proc file system; "" is "/proc".
	ProcRoot string
	// CacheDir is where indexes of the package databases are kept between
	// runs (see dpkgcache.go). "" is $PORTLIGHT_HOME/cache when that is set,
	// else the user's cache folder's portlight, when Root is "/"; with
	// another Root, no cache unless one is named.
	CacheDir string
}

// normalize fills the defaults from the environment.
func (o Options) normalize() Options {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.CacheDir == "" && o.Root == "/" {
		o.CacheDir = defaultCacheDir()
	}
	if o.Home == "" {
		o.Home, _ = os.UserHomeDir()
	}
	if o.XDGDataDirs == nil && o.Root == "/" {
		o.XDGDataDirs = filepath.SplitList(os.Getenv("XDG_DATA_DIRS"))
	}
	if len(o.XDGDataDirs) == 0 {
		o.XDGDataDirs = []string{o.rooted("/usr/local/share"), o.rooted("/usr/share")}
	}
	return o
}

// defaultCacheDir is $PORTLIGHT_HOME/cache, so that a relocated Portlight
// (tests, a sandbox) keeps everything in one folder, else the user's cache
// folder's portlight; "" when there is neither.
func defaultCacheDir() string {
	if h := os.Getenv("PORTLIGHT_HOME"); h != "" {
		if abs, err := filepath.Abs(h); err == nil {
			return filepath.Join(abs, "cache")
		}
		return ""
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "portlight")
	}
	return ""
}

// cacheFile names a file in CacheDir, "" when there is no cache.
func (o Options) cacheFile(name string) string {
	if o.CacheDir == "" {
		return ""
	}
	return filepath.Join(o.CacheDir, name)
}

// rooted names a system path inside Root.
func (o Options) rooted(p string) string { return filepath.Join(o.Root, p) }

// applicationDirs are the directories of application entries, in the
// order the XDG specification gives them precedence.
func (o Options) applicationDirs() []string {
	var dirs []string
	if o.Home != "" {
		dirs = append(dirs, filepath.Join(o.Home, ".local/share/applications"))
	}
	for _, d := range o.XDGDataDirs {
		dirs = append(dirs, filepath.Join(d, "applications"))
	}
	if o.Home != "" {
		dirs = append(dirs, filepath.Join(o.Home, ".local/share/flatpak/exports/share/applications"))
	}
	return append(dirs,
		o.rooted("/var/lib/flatpak/exports/share/applications"),
		o.rooted("/var/lib/snapd/desktop/applications"))
}

// autostartDirs are the XDG autostart directories, the user's first.
func (o Options) autostartDirs() []string {
	var dirs []string
	if o.Home != "" {
		dirs = append(dirs, filepath.Join(o.Home, ".config/autostart"))
	}
	return append(dirs, o.rooted("/etc/xdg/autostart"))
}

// searchPath is where a bare program name in an Exec line is looked for.
func (o Options) searchPath() []string {
	var dirs []string
	if o.Home != "" {
		dirs = append(dirs, filepath.Join(o.Home, ".local/bin"))
	}
	for _, d := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/games", "/usr/local/games", "/snap/bin"} {
		dirs = append(dirs, o.rooted(d))
	}
	return dirs
}

// resolveProgram turns an Exec program into the path the kernel would
// report for it running: found through the search path, links followed,
// expressed inside Root. "" when it is not there.
func (o Options) resolveProgram(prog string) string {
	var cand string
	if strings.Contains(prog, "/") {
		if !filepath.IsAbs(prog) {
			return ""
		}
		cand = o.rooted(prog)
	} else {
		for _, d := range o.searchPath() {
			p := filepath.Join(d, prog)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				cand = p
				break
			}
		}
		if cand == "" {
			if p, err := exec.LookPath(prog); err == nil && o.Root == "/" {
				cand = p
			}
		}
	}
	if cand == "" {
		return ""
	}
	real, err := filepath.EvalSymlinks(cand)
	if err != nil {
		return ""
	}
	if o.Root == "/" {
		return real
	}
	rel, err := filepath.Rel(o.Root, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	return "/" + rel
}

// language returns the Name[...] keys for the user's language, most
// specific first: "de_DE" then "de".
func language() []string {
	l := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l = os.Getenv(k); l != "" {
			break
		}
	}
	l, _, _ = strings.Cut(l, ".")
	l, _, _ = strings.Cut(l, "@")
	if l == "" || l == "C" || l == "POSIX" {
		return nil
	}
	out := []string{l}
	if base, _, ok := strings.Cut(l, "_"); ok {
		out = append(out, base)
	}
	return out
}
