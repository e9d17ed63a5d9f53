package monitor

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Source enumerates the machine's listening sockets: TCP sockets in LISTEN and
// bound, unconnected UDP sockets, IPv4 and IPv6. The Scanner owns the only
// call site; a Source may return a slice it reuses, valid until its next call.
type Source interface {
	Sockets(ctx context.Context) ([]Socket, error)
}

// FallbackSource asks Primary first and, when it fails, Fallback, so a scan
// still sees the sockets when the fast path is unavailable (e.g. netlink
// denied by a sandbox). Primary is tried again on every call: a transient
// failure costs one scan on the slow path, not all of them.
type FallbackSource struct {
	Primary, Fallback Source

	mu      sync.Mutex
	lastErr error
}

// Sockets implements Source.
func (f *FallbackSource) Sockets(ctx context.Context) ([]Socket, error) {
	socks, err := f.Primary.Sockets(ctx)
	f.mu.Lock()
	f.lastErr = err
	f.mu.Unlock()
	if err == nil {
		return socks, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	socks, ferr := f.Fallback.Sockets(ctx)
	if ferr != nil {
		return nil, errors.Join(fmt.Errorf("primary source: %w", err), fmt.Errorf("fallback source: %w", ferr))
	}
	return socks, nil
}

// PrimaryErr returns the primary source's error of the last call (nil when it
// succeeded), so callers can tell that the fallback answered.
func (f *FallbackSource) PrimaryErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastErr
}

// Close closes whichever of the two sources has a Close method.
func (f *FallbackSource) Close() error {
	return errors.Join(closeIf(f.Primary), closeIf(f.Fallback))
}

func closeIf(v any) error {
	if c, ok := v.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}
