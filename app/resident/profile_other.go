//go:build !unix

package resident

import (
	"context"
	"log/slog"
)

// profileOnSignal does nothing where there are no SIGUSR1 and SIGUSR2.
func profileOnSignal(context.Context, *slog.Logger) {}
