package monitor

// WithPort makes the scanner see only the sockets of one port and protocol,
// for a command that answers about that port: the sockets are filtered as
// soon as they are listed (the host's and other namespaces' alike), so
// attribution looks for the owners of that port's sockets alone, and when
// the port has none, reads no process at all. Every holder of a socket
// found is still listed (finding them all takes a walk of every process's
// descriptors, names only).
func WithPort(proto Proto, port uint16) Option {
	return func(c *config) { c.only = &portFilter{proto: proto, port: port} }
}

// portFilter keeps the sockets of one port and protocol.
type portFilter struct {
	proto Proto
	port  uint16
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
