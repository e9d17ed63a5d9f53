package views

import (
	"sync"

	"portlight/monitor"
)

// AllowedPort is one entry of a MemoryAllower.
type AllowedPort struct {
	Exe   string
	Port  uint16
	Proto monitor.Proto
}

// MemoryAllower is the tests' Allower: it keeps the choices in memory.
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
