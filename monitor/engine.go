package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"portlight/safetext"
)

// Published is a host port that a container engine (Docker, Podman)
// publishes for a container, as the engine's API says. A published port may
// have a host process (docker-proxy, rootlessport) or none at all: Docker
// with the userland proxy off and rootful Podman publish through DNAT rules
// alone, which the host listener view cannot see and which bypass the
// host's firewall.
type Published struct {
	// Engine is "docker" or "podman".
	Engine string `json:"engine"`
	// Container is the container's name and ContainerID its id.
	Container   string `json:"container"`
	ContainerID string `json:"container_id"`
	// Image is the container's image, as the engine names it.
	Image string `json:"image"`
	// HostIP and HostPort are where the port is published on the host.
	HostIP   string `json:"host_ip"`
	HostPort uint16 `json:"host_port"`
	// ContainerPort is the port inside the container.
	ContainerPort uint16 `json:"container_port"`
	// NAT is true when the engine's packet-filter rules carry connections
	// to the container and no host program serves them: no host socket,
	// or only rootful Podman's conmon, which holds the port to reserve it.
	NAT bool `json:"nat,omitempty"`
}

// Describe is the one wording of a published port, for the verdict's
// reasons, the explainer and the CLI. Names and images come from the
// engine: untrusted text, made safe to show.
func (p Published) Describe() string {
	who := "a container"
	if p.Container != "" {
		who = "container " + safetext.Line(p.Container, 80)
	}
	if p.Image != "" {
		who += " (image " + safetext.Line(p.Image, 120) + ")"
	}
	s := fmt.Sprintf("published by %s for %s, its port %d", p.Engine, who, p.ContainerPort)
	if p.NAT {
		s += ", through the engine's NAT rules: no host program listens, and the host firewall is bypassed"
	}
	return s
}

// containerPort is one entry of the Ports list of the Engine API's
// GET /containers/json.
type containerPort struct {
	IP          string `json:"IP"`
	PrivatePort uint16 `json:"PrivatePort"`
	PublicPort  uint16 `json:"PublicPort"`
	Type        string `json:"Type"`
}

// containerSummary is what Portlight reads of one container of
// GET /containers/json (Docker Engine API; Podman's compatible API says the
// same).
type containerSummary struct {
	ID    string          `json:"Id"`
	Names []string        `json:"Names"`
	Image string          `json:"Image"`
	State string          `json:"State"`
	Ports []containerPort `json:"Ports"`
}

// Limits of one API query: an engine that stalls or floods is dropped,
// not waited for.
const (
	engineTimeout  = 2 * time.Second
	engineMaxBody  = 8 << 20
	engineMaxPorts = 4096
)

// errNoEngine: no API socket at that path.
var errNoEngine = errors.New("no engine socket")

// errEngineTooBig is a /containers/json answer over engineMaxBody.
var errEngineTooBig = errors.New("answer too large")

// engineClient asks one engine's API socket. Its transport dials only that
// unix socket, through dial (which checks the peer): Portlight opens no
// network port.
type engineClient struct {
	http *http.Client
}

func newEngineClient(dial func(ctx context.Context) (net.Conn, error)) *engineClient {
	tr := &http.Transport{
		DialContext:           func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
		MaxIdleConns:          1,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: engineTimeout,
		DisableCompression:    true,
		Proxy:                 nil,
	}
	return &engineClient{http: &http.Client{Transport: tr, Timeout: engineTimeout}}
}

// containers lists the running containers, and names the engine that
// answered: "podman" when its Server header says Libpod (Podman's
// compatible API behind a DOCKER_HOST), else "".
func (c *engineClient) containers(ctx context.Context) ([]containerSummary, string, error) {
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	// The host part is not used to connect: the transport dials the socket.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://engine/containers/json", nil)
	if err != nil {
		return nil, "", fmt.Errorf("build request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("GET /containers/json: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, "", fmt.Errorf("GET /containers/json: %s", resp.Status)
	}
	engine := ""
	if strings.HasPrefix(resp.Header.Get("Server"), "Libpod/") {
		engine = "podman"
	}
	cs, err := decodeContainers(resp.Body)
	return cs, engine, err
}

// decodeContainers reads a /containers/json answer, at most engineMaxBody
// bytes of it.
func decodeContainers(r io.Reader) ([]containerSummary, error) {
	lr := &io.LimitedReader{R: r, N: engineMaxBody + 1}
	var cs []containerSummary
	if err := json.NewDecoder(lr).Decode(&cs); err != nil {
		if lr.N <= 0 {
			return nil, errEngineTooBig
		}
		return nil, fmt.Errorf("decode /containers/json: %w", err)
	}
	return cs, nil
}

// close drops the kept connection.
func (c *engineClient) close() { c.http.CloseIdleConnections() }

// pubPort is a published port with its protocol and parsed host address.
type pubPort struct {
	proto Proto
	addr  netip.Addr
	// uid owns the engine's API socket: the published port's owner.
	uid uint32
	Published
}

// publishedPorts flattens the running containers' published ports, at most
// engineMaxPorts of them. An entry without a public port (exposed, not
// published) or of another protocol than TCP and UDP is left out; an empty
// IP is the IPv4 wildcard, as Docker means it.
func publishedPorts(engine string, cs []containerSummary) []pubPort {
	var out []pubPort
	for _, c := range cs {
		if c.State != "" && c.State != "running" {
			continue
		}
		name := ""
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		for _, p := range c.Ports {
			if p.PublicPort == 0 || (p.Type != "tcp" && p.Type != "udp") {
				continue
			}
			ip := p.IP
			if ip == "" {
				ip = "0.0.0.0"
			}
			a, err := netip.ParseAddr(ip)
			if err != nil {
				continue
			}
			out = append(out, pubPort{Proto(p.Type), a.Unmap(), 0, Published{Engine: engine, Container: name,
				ContainerID: c.ID, Image: c.Image, HostIP: a.Unmap().String(), HostPort: p.PublicPort,
				ContainerPort: p.PrivatePort}})
			if len(out) >= engineMaxPorts {
				return out
			}
		}
	}
	return out
}
