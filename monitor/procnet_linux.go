package monitor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// ProcNetSource enumerates listening sockets by reading
// /proc/net/{tcp,tcp6,udp,udp6}. It is the fallback for NetlinkSource: each
// read walks the kernel's whole connection hash table, so it costs
// milliseconds where netlink costs microseconds (see docs/scanning.md).
type ProcNetSource struct {
	// Root is the procfs mount point; "" means /proc.
	Root string
	out  []Socket
}

// Sockets implements Source. A table that does not exist (IPv6 disabled) is
// skipped; any other read error fails the call. The slice is reused: it is
// valid until the next call.
func (p *ProcNetSource) Sockets(ctx context.Context) ([]Socket, error) {
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	out := p.out[:0]
	for _, f := range procNetFiles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		path := filepath.Join(root, "net", f.name)
		fh, err := os.Open(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		out, err = ParseProcNet(fh, f.proto, out)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
	}
	p.out = out
	return out, nil
}
