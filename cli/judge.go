package cli

import (
	"fmt"
	"io"

	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// judge assesses listeners under the user's settings (allow-list, triggers).
type judge struct {
	store *settings.Store // nil: the built-in defaults
}

// openJudge opens the user's settings. When they cannot be opened the
// defaults judge, and the reason is printed once; a damaged settings file is
// reported too (settings keeps it as a backup and runs on defaults).
func openJudge(stderr io.Writer) judge {
	st, err := settings.OpenDefault()
	if err != nil {
		fmt.Fprintf(stderr, "portlight: %v; judging with the default settings\n", err)
		return judge{}
	}
	if p := st.Problem(); p != "" {
		fmt.Fprintln(stderr, "portlight:", p)
	}
	return judge{store: st}
}

// refresh picks up a change another process made to the settings.
func (j judge) refresh() {
	if j.store != nil {
		j.store.Check()
	}
}

// policy is the policy in force: the user's, or the built-in defaults.
func (j judge) policy() *policy.Policy {
	if j.store == nil {
		return policy.Default()
	}
	return j.store.Policy()
}

// assess judges one listener.
func (j judge) assess(l monitor.Listener) policy.Assessment { return j.policy().Assess(l) }

// assessAll judges every listener; never nil, so JSON shows [] not null.
func (j judge) assessAll(ls []monitor.Listener) []policy.Assessment {
	return j.policy().AssessAll(ls)
}
