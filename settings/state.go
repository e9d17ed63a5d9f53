package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"portlight/internal/statedir"
	"portlight/monitor/policy"
)

// StateFileName is the noise gate's state file inside the state folder: machine state,
// not settings, so JSON and not meant for editing.
const StateFileName = statedir.GateStateFile

// LoadState reads the noise gate's state from dir. A missing file is a first
// run: the zero state, which makes the gate take a baseline. A corrupt file
// is kept as a backup and also yields the zero state, with an error to log:
// the cost is one baseline summary, not an alert per listener.
func LoadState(dir string) (policy.GateState, error) {
	path := filepath.Join(dir, StateFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return policy.GateState{}, nil
	}
	if err != nil {
		return policy.GateState{}, fmt.Errorf("settings: read state: %w", err)
	}
	var st policy.GateState
	if err := json.Unmarshal(data, &st); err != nil || st.Version > policy.GateStateVersion {
		name, berr := backup(path, data, "corrupt", time.Now())
		if err == nil {
			err = fmt.Errorf("state version %d is newer than %d", st.Version, policy.GateStateVersion)
		}
		return policy.GateState{}, fmt.Errorf("settings: state file %s unusable, kept as %s, starting afresh: %w", path, name, errors.Join(err, berr))
	}
	return st, nil
}

// SaveState writes the noise gate's state to dir atomically, mode 0600.
func SaveState(dir string, st policy.GateState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("settings: encode state: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return writeAtomic(filepath.Join(dir, StateFileName), data)
}
