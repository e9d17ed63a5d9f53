package monitor

import "context"

// WithPort makes the scanner see only the sockets of one port and protocol,
// for a command that answers about that port: the source's sockets are
// filtered as soon as they are listed, so attribution looks for the owners
// of that port's sockets alone, and when the port has none, reads no
// process at all. Every holder of a socket found is still listed (finding
// them all takes a walk of every process's descriptors, names only).
func WithPort(proto Proto, port uint16) Option {
	return func(c *config) { c.only = &portFilter{proto: proto, port: port} }
}

// portFilter is a Source that keeps one port's sockets of another Source.
type portFilter struct {
	src   Source
	proto Proto
	port  uint16
	out   []Socket
}

// Sockets implements Source.
func (f *portFilter) Sockets(ctx context.Context) ([]Socket, error) {
	all, err := f.src.Sockets(ctx)
	f.out = f.keep(f.out[:0], all)
	return f.out, err
}

// keep appends to dst the sockets of all on the filter's port.
func (f *portFilter) keep(dst, all []Socket) []Socket {
	for _, s := range all {
		if s.Port == f.port && s.Proto == f.proto {
			dst = append(dst, s)
		}
	}
	return dst
}

// Close closes the filtered source.
func (f *portFilter) Close() error { return closeIf(f.src) }
