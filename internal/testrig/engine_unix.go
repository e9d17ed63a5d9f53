//go:build unix

package testrig

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// EnginePort is one entry of a container's Ports in the Docker Engine
// API's GET /containers/json. PublicPort 0 is a port exposed, not
// published.
type EnginePort struct {
	IP          string `json:"IP,omitempty"`
	PrivatePort uint16 `json:"PrivatePort"`
	PublicPort  uint16 `json:"PublicPort,omitempty"`
	Type        string `json:"Type"`
}

// EngineContainer is one running container of the stand-in engine.
type EngineContainer struct {
	ID, Name, Image string
	Ports           []EnginePort
}

// Engine is a stand-in for a container engine's API socket: it speaks the
// Docker Engine API (v1.43's JSON shape, which Podman's compatible API
// copies) for GET /_ping, /version and /containers/json on a unix socket,
// the way dockerd does (HTTP/1.1, no TLS).
type Engine struct {
	// Path is the socket's path.
	Path string

	mu         sync.Mutex
	containers []EngineContainer
	queries    atomic.Int64
}

// StartEngine serves the stand-in on a unix socket at path, created by the
// test (mode 0660 before any chmod), until the test ends.
func StartEngine(t testing.TB, path string, cs []EngineContainer) *Engine {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		t.Fatal(err)
	}
	e := &Engine{Path: path, containers: cs}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_ping", func(w http.ResponseWriter, _ *http.Request) {
		e.headers(w)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("OK"))
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
		e.headers(w)
		json.NewEncoder(w).Encode(map[string]any{"Version": "24.0.9", "ApiVersion": "1.43",
			"MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"})
	})
	mux.HandleFunc("GET /containers/json", func(w http.ResponseWriter, _ *http.Request) {
		e.queries.Add(1)
		e.headers(w)
		json.NewEncoder(w).Encode(e.summaries())
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return e
}

// Set replaces the running containers.
func (e *Engine) Set(cs []EngineContainer) {
	e.mu.Lock()
	e.containers = cs
	e.mu.Unlock()
}

// Queries is how many times /containers/json was asked.
func (e *Engine) Queries() int64 { return e.queries.Load() }

func (e *Engine) headers(w http.ResponseWriter) {
	w.Header().Set("Api-Version", "1.43")
	w.Header().Set("Docker-Experimental", "false")
	w.Header().Set("Ostype", "linux")
	w.Header().Set("Server", "Docker/24.0.9 (linux)")
	w.Header().Set("Content-Type", "application/json")
}

// summaries is the containers as GET /containers/json lists them.
func (e *Engine) summaries() []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []map[string]any{}
	for _, c := range e.containers {
		ports := c.Ports
		if ports == nil {
			ports = []EnginePort{}
		}
		out = append(out, map[string]any{
			"Id": c.ID, "Names": []string{"/" + c.Name}, "Image": c.Image,
			"ImageID": "sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d",
			"Command": "nginx -g 'daemon off;'", "Created": 1717000000, "State": "running",
			"Status": "Up 5 minutes", "Ports": ports, "Labels": map[string]string{},
			"HostConfig":      map[string]string{"NetworkMode": "bridge"},
			"NetworkSettings": map[string]any{"Networks": map[string]any{"bridge": map[string]any{"IPAddress": "172.17.0.2", "Gateway": "172.17.0.1"}}},
			"Mounts":          []any{},
		})
	}
	return out
}
