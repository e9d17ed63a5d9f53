//go:build !linux

package monitor

import (
	"context"
	"fmt"

	gnet "github.com/shirou/gopsutil/v3/net"
)

// GopsutilSource enumerates listening sockets with gopsutil's
// net.Connections, on the systems where Portlight has no faster path. It
// reports each socket's owner pid itself, so no attribution walk is needed.
type GopsutilSource struct {
	out []Socket
}

// NewPlatformSource returns the best Source for this OS: gopsutil here.
func NewPlatformSource() Source { return &GopsutilSource{} }

// Sockets implements Source. The slice is reused: valid until the next call.
func (g *GopsutilSource) Sockets(ctx context.Context) ([]Socket, error) {
	conns, err := gnet.ConnectionsWithContext(ctx, "inet")
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	g.out = socketsFromConnections(conns, g.out[:0])
	return g.out, nil
}
