package reach

import (
	"fmt"

	"portlight/safetext"
)

// Inside is the network namespace a listening address is in when it is not
// the host's (a container's, a sandbox's, an `unshare -n` shell's). The
// host's interfaces do not decide what such an address reaches: only
// programs of that namespace reach it, the host and its guests too when a
// bridge or veth joins it, and the world only through a forwarder on the
// host (see Through).
type Inside struct {
	// Namespace is the namespace as the kernel prints it: "net:[4026532177]".
	Namespace string `json:"namespace"`
	// Container is the container's name, or its short id ("" when the
	// namespace is no known container's).
	Container string `json:"container,omitempty"`
	// Engine is the container's engine: "docker", "podman"...
	Engine string `json:"engine,omitempty"`
	// Forwarded is true when a host port is forwarded to the address but
	// reaches no wider than the namespace itself does (a forwarder on the
	// host's loopback): the result then names no forwarder.
	Forwarded bool `json:"forwarded,omitempty"`
}

// Label names the place for a sentence: "its container 'web'", "its
// network namespace net:[4026532177]". The container's name comes from the
// container's owner: escaped and bounded.
func (in Inside) Label() string {
	if in.Container != "" {
		return fmt.Sprintf("its container '%s'", safetext.Line(in.Container, 48))
	}
	return "its network namespace " + safetext.Line(in.Namespace, 32)
}

// Through is the forwarder on the host that carries connections to a
// listener in another namespace (pasta, slirp4netns, rootlessport,
// docker-proxy): the listener reaches what the forwarder's host port
// reaches.
type Through struct {
	// Via is the forwarder: "pasta", "slirp4netns", "rootlessport",
	// "docker-proxy".
	Via string `json:"via"`
	// PID is the forwarder's process.
	PID int32 `json:"pid"`
	// Address and Port are the host side, where the forwarder listens.
	Address string `json:"address"`
	Port    uint16 `json:"port"`
}

// phrase is "through pasta on port 8080".
func (t Through) phrase() string {
	return fmt.Sprintf("through %s on port %d", safetext.Line(t.Via, 32), t.Port)
}

// insideText words a result in another namespace that no forwarder
// reaches.
func (r Result) insideText() string {
	if r.Level == ThisComputer {
		return "only programs inside " + r.Inside.Label()
	}
	if r.Inside.Forwarded {
		return "reachable inside " + r.Inside.Label() + " and from this computer and its virtual machines and containers; its forwarded host ports reach no further"
	}
	return "reachable only inside " + r.Inside.Label() + " and from this computer and its virtual machines and containers; no host port is forwarded to it"
}
