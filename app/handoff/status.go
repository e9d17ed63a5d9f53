package handoff

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"portlight/internal/atomicfile"
	"portlight/internal/filelock"
	"portlight/internal/rundir"
)

// Home is the window a person lands on: the welcome the first time, the
// listeners window with the recent alerts after that. A notification's
// "Open Portlight", the tray icon and a second `portlight` start ask for it.
const Home Kind = "home"

// Welcome is the first-run welcome window.
const Welcome Kind = "welcome"

// statusName is the resident's status file in the runtime folder.
const statusName = rundir.StatusFile

// maxStatus bounds what ReadStatus reads.
const maxStatus = 64 << 10

// Status is what the resident tells the window process about itself: the
// windows have no other line to it. It lives in the runtime folder (0700, this user's).
type Status struct {
	// NoTray is true when the desktop has no tray host
	// (StatusNotifierWatcher): the window is Portlight's home.
	NoTray bool `json:"no_tray"`
	// TrayFix names what gives this desktop a tray, when known.
	TrayFix string `json:"tray_fix,omitempty"`
	// Kept counts notifications waiting for a notification daemon.
	Kept int `json:"kept"`
	// Unread counts unread alerts.
	Unread int `json:"unread"`
	// Paused says that alerts are paused, and until when ("" when not).
	Paused string `json:"paused,omitempty"`
	// Recent are the latest alerts, newest first.
	Recent []StatusAlert `json:"recent,omitempty"`
}

// StatusAlert is one recent alert as the tray lists it.
type StatusAlert struct {
	Label  string `json:"label"`
	Port   uint16 `json:"port"`
	Proto  string `json:"proto"`
	Unread bool   `json:"unread,omitempty"`
}

// StatusPath returns the path of the resident's status file.
func StatusPath() string { return rundir.Path(statusName) }

// WriteStatus replaces the status file with s (atomicfile.Write: never
// following a link planted at its path).
func WriteStatus(s Status) error {
	dir, err := rundir.Ensure()
	if err != nil {
		return err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("handoff: encode status: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, statusName), data, 0o600); err != nil {
		return fmt.Errorf("handoff: status: %w", err)
	}
	return nil
}

// ReadStatus reads the resident's status file. A missing file (no resident
// runs) is an error wrapping os.ErrNotExist.
func ReadStatus() (Status, error) {
	var s Status
	f, err := os.OpenFile(StatusPath(), os.O_RDONLY|filelock.NoFollow, 0)
	if err != nil {
		return s, fmt.Errorf("handoff: read status: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStatus))
	if err != nil {
		return s, fmt.Errorf("handoff: read status: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("handoff: read status: %w", err)
	}
	return s, nil
}
