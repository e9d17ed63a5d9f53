//go:build linux

// Package notifytest is the tests' notification desktop: a private session
// bus (a dbus-daemon of the test's own) and an in-test
// org.freedesktop.Notifications server on it that records what it is sent
// and emits the signals a user's clicks and dismissals make a real daemon
// send. Package notify's tests and the resident's tests share it.
package notifytest

import (
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"

	"portlight/internal/testrig"
)

// The notification service's D-Bus names (the desktop notifications spec).
const (
	busName  = "org.freedesktop.Notifications"
	busPath  = "/org/freedesktop/Notifications"
	busIface = "org.freedesktop.Notifications"
)

// NotificationClosed reasons, from the desktop notifications spec.
const (
	ReasonExpired   = uint32(1) // the notification timed out
	ReasonDismissed = uint32(2) // the user closed it
	ReasonClosed    = uint32(3) // CloseNotification closed it
)

// Bus starts a dbus-daemon of the test's own and returns its address (see
// testrig.Bus).
func Bus(t testing.TB) string { return testrig.Bus(t) }

// Call is one Notify call the server received.
type Call struct {
	ID                    uint32
	Sender, Summary, Body string
	Actions               []string
}

// Server is the in-test notification daemon.
type Server struct {
	conn *dbus.Conn
	d    *daemon
}

// daemon holds the methods exported on the bus (only those: godbus exports
// every method that returns a *dbus.Error).
type daemon struct {
	caps []string

	mu    sync.Mutex
	calls []Call
	next  uint32
}

// GetCapabilities implements the spec's method.
func (d *daemon) GetCapabilities() ([]string, *dbus.Error) { return d.caps, nil }

// GetServerInformation implements the spec's method.
func (d *daemon) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "portlight", "1", "1.2", nil
}

// CloseNotification implements the spec's method (it closes nothing).
func (d *daemon) CloseNotification(uint32) *dbus.Error { return nil }

// Notify implements the spec's method: it records the call.
func (d *daemon) Notify(sender dbus.Sender, app string, replaces uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.next++
	d.calls = append(d.calls, Call{ID: d.next, Sender: string(sender), Summary: summary, Body: body, Actions: actions})
	return d.next, nil
}

// Start serves org.freedesktop.Notifications on the bus at addr with the
// capabilities caps, until the test ends.
func Start(t testing.TB, addr string, caps []string) *Server {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &Server{conn: conn, d: &daemon{caps: caps}}
	if err := conn.Export(s.d, busPath, busIface); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", r, err)
	}
	return s
}

// Calls returns the Notify calls received so far.
func (s *Server) Calls() []Call {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return append([]Call(nil), s.d.calls...)
}

// Last returns the last Notify call; the test fails when there was none.
func (s *Server) Last(t testing.TB) Call {
	t.Helper()
	calls := s.Calls()
	if len(calls) == 0 {
		t.Fatal("no Notify call reached the server")
	}
	return calls[len(calls)-1]
}

// Emit sends one of the service's signals.
func (s *Server) Emit(t testing.TB, member string, args ...any) {
	t.Helper()
	if err := s.conn.Emit(busPath, busIface+"."+member, args...); err != nil {
		t.Fatal(err)
	}
}

// Invoke sends what a daemon sends when the user chooses action key of
// notification id (a click on the bubble is "default").
func (s *Server) Invoke(t testing.TB, id uint32, key string) {
	t.Helper()
	s.Emit(t, "ActionInvoked", id, key)
}

// Close sends NotificationClosed for notification id with reason.
func (s *Server) Close(t testing.TB, id uint32, reason uint32) {
	t.Helper()
	s.Emit(t, "NotificationClosed", id, reason)
}

// Leave disconnects the daemon from the bus: it no longer owns the
// service's name, and another connection may take it.
func (s *Server) Leave() { s.conn.Close() }
