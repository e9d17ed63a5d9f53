//go:build linux

package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"portlight/app/notify/notifytest"
)

func TestDBusActionsAndClick(t *testing.T) {
	addr := notifytest.Bus(t)
	srv := notifytest.Start(t, addr, []string{"actions", "body", "body-markup"})
	clicks := make(chan Click, 4)
	n := NewDBus(addr, "", func(c Click) { clicks <- c }, nil)
	defer n.Close()

	msg := Message{Key: "tcp 0.0.0.0:5173", Port: 5173, Proto: "tcp",
		Title: "<i>x</i> is listening on unassigned port 5173/tcp", Body: "a & <b>b</b>", CanAllow: true}
	if err := n.Notify(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	call := srv.Last(t)
	if call.Summary != msg.Title {
		t.Errorf("summary %q", call.Summary)
	}
	if call.Body != "a &amp; &lt;b&gt;b&lt;/b&gt;" {
		t.Errorf("body not escaped: %q", call.Body)
	}
	want := []string{"default", "Investigate", "investigate", "Investigate", "allow", "Allow app…"}
	if strings.Join(call.Actions, "|") != strings.Join(want, "|") {
		t.Errorf("actions %q, want %q", call.Actions, want)
	}
	if !n.Actions() {
		t.Error("Actions() false with a server that has actions")
	}

	// A click on notification 1 comes back with its message.
	srv.Emit(t, "ActionInvoked", uint32(1), "default")
	select {
	case c := <-clicks:
		if c.Action != ActionDefault || c.Message.Key != msg.Key || c.Message.Port != 5173 {
			t.Errorf("click %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no click reported within 5 s")
	}
	// An action on an unknown id (another app's notification) is ignored;
	// after NotificationClosed, an action on id 1 is ignored too.
	srv.Emit(t, "ActionInvoked", uint32(99), "default")
	srv.Emit(t, "NotificationClosed", uint32(1), uint32(2))
	srv.Emit(t, "ActionInvoked", uint32(1), "investigate")
	// A second notification still works on the same connection.
	msg2 := msg
	msg2.Key = "second"
	if err := n.Notify(context.Background(), msg2); err != nil {
		t.Fatal(err)
	}
	srv.Emit(t, "ActionInvoked", uint32(2), "investigate")
	select {
	case c := <-clicks:
		if c.Action != ActionInvestigate || c.Message.Key != "second" {
			t.Errorf("click %+v (a stale or foreign action leaked through?)", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no click for the second notification")
	}
	// One private connection for both notifications.
	calls := srv.Calls()
	s0, s1 := calls[0].Sender, calls[1].Sender
	if s0 != s1 {
		t.Errorf("notifications sent from two connections: %s, %s", s0, s1)
	}
}

func TestDBusNoActionsCapability(t *testing.T) {
	addr := notifytest.Bus(t)
	srv := notifytest.Start(t, addr, []string{"body"})
	n := NewDBus(addr, "", nil, nil)
	defer n.Close()
	msg := Message{Key: "k", Title: "t", Body: "a <b>"}
	if err := n.Notify(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	call := srv.Last(t)
	if len(call.Actions) != 0 {
		t.Errorf("actions sent to a server without the capability: %q", call.Actions)
	}
	if call.Body != "a <b>" {
		t.Errorf("body escaped for a server without body-markup: %q", call.Body)
	}
	if n.Actions() {
		t.Error("Actions() true")
	}
}

func TestDBusNoDaemonThenDaemon(t *testing.T) {
	addr := notifytest.Bus(t)
	n := NewDBus(addr, "", nil, nil)
	defer n.Close()
	err := n.Notify(context.Background(), Message{Key: "k", Title: "t"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no daemon: err %v, want ErrUnavailable", err)
	}
	// The daemon appears later: the retry succeeds.
	srv := notifytest.Start(t, addr, []string{"actions"})
	if err := n.Notify(context.Background(), Message{Key: "k", Title: "t"}); err != nil {
		t.Fatalf("retry with a daemon: %v", err)
	}
	srv.Last(t)
}

func TestDBusNoSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	n := NewDBus("", "", nil, nil)
	err := n.Notify(context.Background(), Message{Key: "k", Title: "t"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
}

func TestDBusBusGone(t *testing.T) {
	addr := notifytest.Bus(t)
	n := NewDBus(addr, "", nil, nil)
	defer n.Close()
	notifytest.Start(t, addr, []string{"actions"})
	if err := n.Notify(context.Background(), Message{Key: "k", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	n.conn.Close() // the bus connection dies under us
	n.mu.Unlock()
	if err := n.Notify(context.Background(), Message{Key: "k", Title: "t"}); err != nil {
		t.Fatalf("after the connection died: %v (no reconnect?)", err)
	}
}

// TestDBusDismissed: a notification the user closes without acting on it
// is reported as ActionDismissed; one closed after an action (daemons close
// it as "closed by the user" then), one that expired and one closed by the
// program are not.
func TestDBusDismissed(t *testing.T) {
	addr := notifytest.Bus(t)
	srv := notifytest.Start(t, addr, []string{"actions", "body"})
	clicks := make(chan Click, 8)
	n := NewDBus(addr, "", func(c Click) { clicks <- c }, nil)
	defer n.Close()
	ids := map[string]uint32{}
	for _, key := range []string{"dismissed", "clicked", "expired", "closed"} {
		if err := n.Notify(context.Background(), Message{Key: key, Port: 5173, Proto: "tcp", Title: key}); err != nil {
			t.Fatal(err)
		}
		ids[key] = srv.Last(t).ID
	}
	srv.Invoke(t, ids["clicked"], ActionDefault)
	srv.Close(t, ids["clicked"], notifytest.ReasonDismissed)
	srv.Close(t, ids["expired"], notifytest.ReasonExpired)
	srv.Close(t, ids["closed"], notifytest.ReasonClosed)
	srv.Invoke(t, ids["dismissed"], ActionDismissed) // a key we never offered
	srv.Close(t, ids["dismissed"], notifytest.ReasonDismissed)
	srv.Close(t, ids["dismissed"], notifytest.ReasonDismissed) // twice: reported once

	want := []Click{
		{Message: Message{Key: "clicked", Port: 5173, Proto: "tcp", Title: "clicked"}, Action: ActionDefault},
		{Message: Message{Key: "dismissed", Port: 5173, Proto: "tcp", Title: "dismissed"}, Action: ActionDismissed},
	}
	for _, w := range want {
		select {
		case c := <-clicks:
			if c != w {
				t.Fatalf("reported %+v, want %+v", c, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no report of %+v within 5 s", w)
		}
	}
	// Signals arrive in order: a marker after them shows nothing else came.
	if err := n.Notify(context.Background(), Message{Key: "marker", Title: "marker"}); err != nil {
		t.Fatal(err)
	}
	srv.Invoke(t, srv.Last(t).ID, ActionInvestigate)
	select {
	case c := <-clicks:
		if c.Message.Key != "marker" {
			t.Errorf("unexpected report %+v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report of the marker")
	}
}

// forger is a second connection on the bus, not the notification daemon.
type forger struct{ conn *dbus.Conn }

func newForger(t *testing.T, addr string) *forger {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &forger{conn}
}

// emit broadcasts a signal as if from the daemon, then sends the forged
// signal again straight to dest (a unicast signal passes every match
// rule), and waits for a round trip through the bus so both were routed
// before anything the test sends next.
func (f *forger) emit(t *testing.T, dest, member string, args ...any) {
	t.Helper()
	if err := f.conn.Emit(busPath, busIface+"."+member, args...); err != nil {
		t.Fatal(err)
	}
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath(busPath)),
		dbus.FieldInterface:   dbus.MakeVariant(busIface),
		dbus.FieldMember:      dbus.MakeVariant(member),
		dbus.FieldDestination: dbus.MakeVariant(dest),
	}, Body: args}
	msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	call := f.conn.Send(msg, nil)
	if call.Err != nil {
		t.Fatal(call.Err)
	}
	if err := f.conn.BusObject().Call("org.freedesktop.DBus.Peer.Ping", 0).Err; err != nil {
		t.Fatal(err)
	}
}

// ownName is our notifier's unique name on the bus.
func ownName(t *testing.T, n *DBus) string {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.conn.Names()[0]
}

// TestDBusForgedActionsIgnored runs on a real private bus: a second
// connection, not the owner of org.freedesktop.Notifications, broadcasts
// and unicasts ActionInvoked(id, "allow") and NotificationClosed; the real
// daemon invokes "allow" on a notification that never offered it; a daemon
// that lost the name invokes an action. None of them reach onClick; the
// daemon's own click afterwards does, and is the first one reported.
func TestDBusForgedActionsIgnored(t *testing.T) {
	addr := notifytest.Bus(t)
	srv := notifytest.Start(t, addr, []string{"actions", "body"})
	clicks := make(chan Click, 8)
	n := NewDBus(addr, "", func(c Click) { clicks <- c }, nil)
	defer n.Close()

	plain := Message{Key: "plain", Port: 5173, Proto: "tcp", Title: "t"} // no Allow app
	if err := n.Notify(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	allowable := Message{Key: "allowable", Port: 5174, Proto: "tcp", Title: "t", CanAllow: true}
	if err := n.Notify(context.Background(), allowable); err != nil {
		t.Fatal(err)
	}
	me := ownName(t, n)
	f := newForger(t, addr)
	f.emit(t, me, "ActionInvoked", uint32(2), "allow")
	f.emit(t, me, "ActionInvoked", uint32(1), "default")
	f.emit(t, me, "NotificationClosed", uint32(2), uint32(2))
	// The real daemon, but an action notification 1 never offered.
	srv.Emit(t, "ActionInvoked", uint32(1), "allow")
	srv.Emit(t, "ActionInvoked", uint32(1), "no-such-action")
	// The daemon's own click: notification 2 is still known (the forged
	// NotificationClosed did not remove it).
	srv.Emit(t, "ActionInvoked", uint32(2), "investigate")
	select {
	case c := <-clicks:
		if c.Message.Key != "allowable" || c.Action != ActionInvestigate {
			t.Fatalf("first click %+v: a forged or unoffered action got through", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the daemon's own click was not reported (was notification 2 dropped by a forged NotificationClosed?)")
	}

	// The daemon goes; the forger takes the name. Its signals now count,
	// but only for notifications it showed: none of ours.
	srv.Leave()
	if r, err := f.conn.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", r, err)
	}
	f.emit(t, me, "ActionInvoked", uint32(2), "allow")
	select {
	case c := <-clicks:
		t.Fatalf("a new daemon's action on the old daemon's notification got through: %+v", c)
	case <-time.After(300 * time.Millisecond):
	}
}
