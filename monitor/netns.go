package monitor

import (
	"fmt"

	"portlight/provenance"
)

// Namespace says which network namespace a listener is in. The host's (the
// one Portlight itself runs in, which the kernel's dump and /proc/net show)
// is left out of JSON, so a host listener's JSON is what it always was.
type Namespace struct {
	// ID is the namespace's inode number (readlink /proc/PID/ns/net prints
	// net:[ID]); 0 when unknown (other OSes).
	ID uint64 `json:"id"`
	// Host is true for Portlight's own namespace.
	Host bool `json:"host"`
}

// IsZero reports whether JSON leaves the namespace out: the host's, or an
// unknown one (other OSes).
func (n Namespace) IsZero() bool { return n.Host || n.ID == 0 }

// Inner reports whether the namespace is another than the host's: a
// container's, a sandbox's, an `unshare -n` shell's.
func (n Namespace) Inner() bool { return !n.Host && n.ID != 0 }

// String is "host" or "netns:[ID]", as readlink prints it.
func (n Namespace) String() string {
	if !n.Inner() {
		return "host"
	}
	return fmt.Sprintf("net:[%d]", n.ID)
}

// Container names the container a namespace belongs to, as the cgroup of a
// process in it says (see provenance).
type Container = provenance.Container

// Forwarder kinds: the host-side programs that carry connections from a
// host port into another network namespace.
const (
	ViaDockerProxy  = "docker-proxy"
	ViaPasta        = "pasta"
	ViaSlirp4netns  = "slirp4netns"
	ViaRootlessport = "rootlessport"
)

// Forward is one link between a host port and a listener in another network
// namespace, made by a forwarder process (docker-proxy, pasta, slirp4netns,
// podman's rootlessport). The same link appears on both listeners: on the
// forwarder's host listener as ForwardedTo, on the inner listener as
// Forwarder. Fields not known are left empty: docker-proxy names its
// container's address and port even when that namespace cannot be seen;
// slirp4netns and rootlessport say only which namespace they serve.
type Forward struct {
	// Via is the forwarder: docker-proxy, pasta, slirp4netns or rootlessport.
	Via string `json:"via"`
	// PID is the forwarder process.
	PID int32 `json:"pid"`
	// Proto is the forwarded protocol.
	Proto Proto `json:"proto"`
	// HostAddress and HostPort are the host side: where the forwarder listens.
	HostAddress string `json:"host_address,omitempty"`
	HostPort    uint16 `json:"host_port,omitempty"`
	// InnerAddress and InnerPort are where connections go inside.
	InnerAddress string `json:"inner_address,omitempty"`
	InnerPort    uint16 `json:"inner_port,omitempty"`
	// Namespace is the inner network namespace's id, 0 when it cannot be
	// seen (another user's container while unprivileged).
	Namespace uint64 `json:"namespace,omitempty"`
}

// Describe is the one wording of a forward, for the explainer and the CLI:
// "docker-proxy (pid 812) forwards host 0.0.0.0:8080/tcp to 172.17.0.2:80 in net:[4026532177]".
func (f Forward) Describe() string {
	host := fmt.Sprintf("host port %d/%s", f.HostPort, f.Proto)
	if f.HostAddress != "" {
		host = fmt.Sprintf("host %s/%s", joinHostPort(f.HostAddress, f.HostPort), f.Proto)
	}
	inner := "another network namespace"
	switch {
	case f.InnerAddress != "" && f.InnerPort != 0:
		inner = joinHostPort(f.InnerAddress, f.InnerPort)
	case f.InnerPort != 0:
		inner = fmt.Sprintf("port %d", f.InnerPort)
	}
	if f.Namespace != 0 {
		inner += fmt.Sprintf(" in net:[%d]", f.Namespace)
	}
	return fmt.Sprintf("%s (pid %d) forwards %s to %s", f.Via, f.PID, host, inner)
}

func joinHostPort(addr string, port uint16) string {
	for i := 0; i < len(addr); i++ {
		if addr[i] == ':' {
			return fmt.Sprintf("[%s]:%d", addr, port)
		}
	}
	return fmt.Sprintf("%s:%d", addr, port)
}
