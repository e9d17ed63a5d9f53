package windows

import (
	"sync"

	"portlight/monitor"
)

// Allower records the user's "allow this app" choices. The settings store
// implements it; the explainer only calls it.
type Allower interface {
	// AllowApp allows the program at exe to listen on any port.
	AllowApp(exe string) error
	// AllowAppOnPort allows the program at exe to listen on port/proto.
	AllowAppOnPort(exe string, port uint16, proto monitor.Proto) error
}

// AllowedPort is one entry of a MemoryAllower.
type AllowedPort struct {
	Exe   string
	Port  uint16
	Proto monitor.Proto
}

// MemoryAllower keeps allow choices in memory: the default until the
// settings store is wired in, and the fake for tests.
type MemoryAllower struct {
	mu    sync.Mutex
	Apps  []string
	Ports []AllowedPort
}

// AllowApp implements Allower.
func (a *MemoryAllower) AllowApp(exe string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Apps = append(a.Apps, exe)
	return nil
}

// AllowAppOnPort implements Allower.
func (a *MemoryAllower) AllowAppOnPort(exe string, port uint16, proto monitor.Proto) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Ports = append(a.Ports, AllowedPort{exe, port, proto})
	return nil
}
