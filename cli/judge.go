package cli

import (
	"context"
	"fmt"
	"io"

	"portlight/internal/corestart"
	"portlight/monitor"
	"portlight/monitor/policy"
)

// judge assesses listeners under the user's settings (allow-list, triggers).
type judge struct {
	core *corestart.Core
}

// openCore opens the core as opts ask (see corestart's degraded mode) and
// prints each thing it could not have once.
func openCore(ctx context.Context, stderr io.Writer, opts corestart.Options) *corestart.Core {
	c := corestart.Open(ctx, opts)
	for _, w := range c.Warnings {
		fmt.Fprintln(stderr, "portlight:", w)
	}
	return c
}

// openJudge opens the user's settings, without the history.
func openJudge(stderr io.Writer) judge {
	return judge{core: openCore(context.Background(), stderr, corestart.Options{})}
}

// refresh picks up a change another process made to the settings.
func (j judge) refresh() {
	if j.core.Settings != nil {
		j.core.Settings.Check()
	}
}

// assess judges one listener.
func (j judge) assess(l monitor.Listener) policy.Assessment { return j.core.Assess(l) }

// assessAll judges every listener; never nil, so JSON shows [] not null.
func (j judge) assessAll(ls []monitor.Listener) []policy.Assessment {
	return j.core.Policy().AssessAll(ls)
}
