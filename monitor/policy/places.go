package policy

import (
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
)

// Places says where on disk a program lives. Its fields are inputs from the
// world, injected like the policy's: Stat nil means the world-writable check
// is skipped and only the path decides.
type Places struct {
	// Home is the user's home folder; folders under /home/NAME, /var/home/NAME
	// and /root are homes too.
	Home string
	// Stat reads a file's mode (os.Stat in the real program).
	Stat func(name string) (fs.FileInfo, error)
}

// placeKind is what kind of writable place a path is in.
type placeKind int

const (
	placeNone placeKind = iota
	// placeTemp: /tmp, /var/tmp, /dev/shm.
	placeTemp
	// placeGoBuild: the go tool's temporary build folder (go run, go test):
	// a temporary folder too, but where a developer's own programs run.
	placeGoBuild
	// placeRuntime: the user's runtime folder /run/user/UID.
	placeRuntime
	// placeWorldWritable: a folder every user may write to.
	placeWorldWritable
	// placeHiddenHome: a hidden folder of a home that no standard tool uses.
	placeHiddenHome
	// placeCache: ~/.cache, scratch space that nothing should run from.
	placeCache
)

// Place is a writable place a file lives in: what kind, in words, and the
// folder.
type Place struct {
	kind placeKind
	// Words describe the place: "a temporary folder (/tmp)".
	Words string
}

// Weak reports whether the place is a weaker hint: the go tool's build
// folder, where `go run` puts a developer's program.
func (p Place) Weak() bool { return p.kind == placeGoBuild }

// standardHidden are the hidden folders of a home that ordinary software
// installs programs into, by their first path component. Anything else
// hidden directly in a home is where malware hides (osquery-defense-kit's
// "hidden executable" detections), and ~/.cache is scratch space that
// nothing should run from.
var standardHidden = map[string]bool{
	".local": true, // ~/.local/bin, ~/.local/share/<app> (Steam, JetBrains, uv, pipx)
	".var":   true, // ~/.var/app: Flatpak's per-app folders
	".steam": true,
	// Toolchains and their package managers.
	".cargo": true, ".rustup": true, ".nvm": true, ".npm": true, ".pyenv": true, ".rbenv": true,
	".sdkman": true, ".deno": true, ".bun": true, ".volta": true, ".dotnet": true, ".jdks": true,
	".gradle": true, ".asdf": true, ".ghcup": true, ".juliaup": true, ".julia": true, ".opam": true,
	".nix-profile": true, ".yarn": true, ".pub-cache": true, ".platformio": true, ".arduino15": true,
	// Editors' remote servers and extensions, vendor installers.
	".vscode": true, ".vscode-server": true, ".vscode-oss": true, ".cursor": true, ".cursor-server": true,
	".dropbox-dist": true,
}

// runtimeOK are the folders of /run/user/UID that hold ordinary programs'
// files: Flatpak's per-instance folders. Nothing executable is expected
// anywhere else there.
var runtimeOK = map[string]bool{".flatpak": true, "app": true}

// Writable reports whether the file at name lives in a place any program
// (or any user) could have written it, and which.
func (pl Places) Writable(name string) (Place, bool) {
	if name == "" || !path.IsAbs(name) {
		return Place{}, false
	}
	name = path.Clean(name)
	dir := path.Dir(name)
	for _, tmp := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		rest, ok := strings.CutPrefix(name, tmp+"/")
		if !ok {
			continue
		}
		if tmp == "/tmp" && goBuildExe().MatchString(rest) {
			return Place{placeGoBuild, "the go tool's temporary build folder (" + tmp + ")"}, true
		}
		return Place{placeTemp, "a temporary folder (" + tmp + ")"}, true
	}
	if rest, ok := strings.CutPrefix(name, "/run/user/"); ok {
		uid, sub, _ := strings.Cut(rest, "/")
		first, _, _ := strings.Cut(sub, "/")
		if !runtimeOK[first] {
			return Place{placeRuntime, "the session's runtime folder (/run/user/" + uid + ")"}, true
		}
	}
	if home, rest, ok := pl.inHome(name); ok {
		first, _, _ := strings.Cut(rest, "/")
		switch {
		case first == ".cache":
			return Place{placeCache, "the cache folder (" + path.Join(home, ".cache") + ")"}, true
		case strings.HasPrefix(first, ".") && !standardHidden[first]:
			return Place{placeHiddenHome, "a hidden folder of the home (" + path.Join(home, first) + ")"}, true
		}
	}
	if pl.Stat != nil {
		if fi, err := pl.Stat(dir); err == nil && fi.IsDir() && fi.Mode().Perm()&0o002 != 0 {
			return Place{placeWorldWritable, "a folder every user can write to (" + dir + ")"}, true
		}
	}
	return Place{}, false
}

// inHome splits a clean absolute path into the home folder it lies in and
// the rest, when it lies in one.
func (pl Places) inHome(name string) (home, rest string, ok bool) {
	if h := path.Clean(pl.Home); pl.Home != "" && h != "/" {
		if rest, ok := strings.CutPrefix(name, h+"/"); ok {
			return h, rest, true
		}
	}
	if rest, ok := strings.CutPrefix(name, "/root/"); ok {
		return "/root", rest, true
	}
	for _, base := range []string{"/home/", "/var/home/"} {
		if r, ok := strings.CutPrefix(name, base); ok {
			user, rest, found := strings.Cut(r, "/")
			if found && user != "" {
				return base + user, rest, true
			}
		}
	}
	return "", "", false
}

// SystemPlaces returns the real Places: the user's home folder and os.Stat.
func SystemPlaces() Places {
	home, _ := os.UserHomeDir() // no home: only /home/* and /root count
	return Places{Home: home, Stat: os.Stat}
}

// goBuildExe is the layout the go tool gives the programs `go run` and
// `go test` build (go-buildNNN/bNNN/exe/NAME); any other name under /tmp that
// merely starts with go-build is a temporary folder like the rest.
var goBuildExe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^go-build[0-9]+/b[0-9]+/(exe/[^/]+|[^/]+\.test)$`)
})
