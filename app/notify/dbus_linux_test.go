//go:build linux

package notify

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// busConfig is a session bus with no service directories: no notification
// daemon can be activated behind the test's back.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// privateBus starts a dbus-daemon of its own and returns its address.
func privateBus(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatal("missing tool dbus-daemon (apt-get install dbus)")
	}
	cfg := filepath.Join(t.TempDir(), "bus.conf")
	if err := os.WriteFile(cfg, []byte(busConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--config-file="+cfg, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read bus address: %v", err)
	}
	return strings.TrimSpace(line)
}

// fakeServer is an in-test org.freedesktop.Notifications.
type fakeServer struct {
	conn *dbus.Conn
	caps []string

	mu    sync.Mutex
	calls []fakeCall
	next  uint32
}

type fakeCall struct {
	sender, summary, body string
	actions               []string
}

func (f *fakeServer) GetCapabilities() ([]string, *dbus.Error) { return f.caps, nil }

func (f *fakeServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "fake", "portlight", "1", "1.2", nil
}

func (f *fakeServer) CloseNotification(id uint32) *dbus.Error { return nil }

func (f *fakeServer) Notify(sender dbus.Sender, app string, replaces uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	f.calls = append(f.calls, fakeCall{string(sender), summary, body, actions})
	return f.next, nil
}

func (f *fakeServer) last(t *testing.T) fakeCall {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("no Notify call reached the server")
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeServer) emit(t *testing.T, member string, args ...any) {
	t.Helper()
	if err := f.conn.Emit(busPath, busIface+"."+member, args...); err != nil {
		t.Fatal(err)
	}
}

func startFake(t *testing.T, addr string, caps []string) *fakeServer {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeServer{conn: conn, caps: caps}
	if err := conn.Export(f, busPath, busIface); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", r, err)
	}
	return f
}

func TestDBusActionsAndClick(t *testing.T) {
	addr := privateBus(t)
	srv := startFake(t, addr, []string{"actions", "body", "body-markup"})
	clicks := make(chan Click, 4)
	n := NewDBus(addr, "", func(c Click) { clicks <- c }, nil)
	defer n.Close()

	msg := Message{Key: "tcp 0.0.0.0:5173", Port: 5173, Proto: "tcp",
		Title: "<i>x</i> is listening on unassigned port 5173/tcp", Body: "a & <b>b</b>", CanAllow: true}
	if err := n.Notify(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	call := srv.last(t)
	if call.summary != msg.Title {
		t.Errorf("summary %q", call.summary)
	}
	if call.body != "a &amp; &lt;b&gt;b&lt;/b&gt;" {
		t.Errorf("body not escaped: %q", call.body)
	}
	want := []string{"default", "Investigate", "investigate", "Investigate", "allow", AllowLabel}
	if strings.Join(call.actions, "|") != strings.Join(want, "|") {
		t.Errorf("actions %q, want %q", call.actions, want)
	}
	if !n.Actions() {
		t.Error("Actions() false with a server that has actions")
	}

	// A click on notification 1 comes back with its message.
	srv.emit(t, "ActionInvoked", uint32(1), "default")
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
	srv.emit(t, "ActionInvoked", uint32(99), "default")
	srv.emit(t, "NotificationClosed", uint32(1), uint32(2))
	srv.emit(t, "ActionInvoked", uint32(1), "investigate")
	// A second notification still works on the same connection.
	msg2 := msg
	msg2.Key = "second"
	if err := n.Notify(context.Background(), msg2); err != nil {
		t.Fatal(err)
	}
	srv.emit(t, "ActionInvoked", uint32(2), "investigate")
	select {
	case c := <-clicks:
		if c.Action != ActionInvestigate || c.Message.Key != "second" {
			t.Errorf("click %+v (a stale or foreign action leaked through?)", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no click for the second notification")
	}
	// One private connection for both notifications.
	srv.mu.Lock()
	s0, s1 := srv.calls[0].sender, srv.calls[1].sender
	srv.mu.Unlock()
	if s0 != s1 {
		t.Errorf("notifications sent from two connections: %s, %s", s0, s1)
	}
}

func TestDBusNoActionsCapability(t *testing.T) {
	addr := privateBus(t)
	srv := startFake(t, addr, []string{"body"})
	n := NewDBus(addr, "", nil, nil)
	defer n.Close()
	msg := Message{Key: "k", Title: "t", Body: "a <b>"}
	if err := n.Notify(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	call := srv.last(t)
	if len(call.actions) != 0 {
		t.Errorf("actions sent to a server without the capability: %q", call.actions)
	}
	if call.body != "a <b>" {
		t.Errorf("body escaped for a server without body-markup: %q", call.body)
	}
	if n.Actions() {
		t.Error("Actions() true")
	}
}

func TestDBusNoDaemonThenDaemon(t *testing.T) {
	addr := privateBus(t)
	n := NewDBus(addr, "", nil, nil)
	defer n.Close()
	err := n.Notify(context.Background(), Message{Key: "k", Title: "t"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no daemon: err %v, want ErrUnavailable", err)
	}
	// The daemon appears later: the retry succeeds.
	srv := startFake(t, addr, []string{"actions"})
	if err := n.Notify(context.Background(), Message{Key: "k", Title: "t"}); err != nil {
		t.Fatalf("retry with a daemon: %v", err)
	}
	srv.last(t)
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
	addr := privateBus(t)
	n := NewDBus(addr, "", nil, nil)
	defer n.Close()
	startFake(t, addr, []string{"actions"})
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
	addr := privateBus(t)
	srv := startFake(t, addr, []string{"actions", "body"})
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
	srv.emit(t, "ActionInvoked", uint32(1), "allow")
	srv.emit(t, "ActionInvoked", uint32(1), "no-such-action")
	// The daemon's own click: notification 2 is still known (the forged
	// NotificationClosed did not remove it).
	srv.emit(t, "ActionInvoked", uint32(2), "investigate")
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
	srv.conn.Close()
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
