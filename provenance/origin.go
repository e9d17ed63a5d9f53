// Package provenance says where the program behind a listener came from: the
// package that shipped its executable and whether the file still matches
// it, the sandbox or container it runs in, the systemd unit or session that
// started it, and the desktop application it belongs to.
//
// Lookups are cached per file identity (device and inode) and per process;
// nothing here imports a GUI toolkit.
package provenance

// Integrity says whether a packaged file still matches its package's record.
type Integrity string

// Integrity values.
const (
	// IntegrityUnknown: not packaged, or the package records no checksum.
	IntegrityUnknown Integrity = ""
	// IntegrityMatch: the file's checksum is the one its package shipped.
	IntegrityMatch Integrity = "match"
	// IntegrityMismatch: the file differs from what its package shipped.
	IntegrityMismatch Integrity = "mismatch"
)

// Container names the container a process runs in.
type Container struct {
	// Engine is "docker", "podman", "containerd", "cri-o", "lxc" or
	// "systemd-nspawn".
	Engine string `json:"engine"`
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Image  string `json:"image,omitempty"`
}

// Origin is what is known of where a listener's program came from. Its JSON
// field names are a public interface (see README): keep them stable.
type Origin struct {
	// Manager is the package manager or bundle format that installed the
	// executable: "dpkg", "rpm", "pacman", "flatpak", "snap", "appimage";
	// "" when none claims it.
	Manager string `json:"manager,omitempty"`
	// Package and Version name the package that ships the executable.
	Package string `json:"package,omitempty"`
	Version string `json:"version,omitempty"`
	// Integrity compares the file with its package's checksum.
	Integrity Integrity `json:"integrity,omitempty"`
	// AppID is the Flatpak application id or the Snap name.
	AppID string `json:"app_id,omitempty"`
	// AppImage is the path of the AppImage file the program runs from.
	AppImage string `json:"appimage,omitempty"`
	// Unit is the systemd unit or scope that started the process, and
	// UnitScope says whose manager runs it: "system" or "user".
	Unit      string `json:"unit,omitempty"`
	UnitScope string `json:"unit_scope,omitempty"`
	// Container is set when the process runs in a container.
	Container *Container `json:"container,omitempty"`
	// Autostart is the XDG autostart entry that started the program.
	Autostart string `json:"autostart,omitempty"`
	// Terminal is true when the process was started from a terminal
	// session (an interactive shell is among its ancestors).
	Terminal bool `json:"terminal,omitempty"`
	// AppName and Icon come from the desktop entry whose Exec runs this
	// executable; DesktopFile is that entry.
	AppName     string `json:"app_name,omitempty"`
	Icon        string `json:"icon,omitempty"`
	DesktopFile string `json:"desktop_file,omitempty"`
	// Parents is the parent chain, nearest first, as executable names.
	Parents []string `json:"parents,omitempty"`
}

// Packaged reports whether a package manager or bundle format claims the
// executable.
func (o Origin) Packaged() bool { return o.Manager != "" }
