//go:build linux

package reach

import (
	"bytes"
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"portlight/internal/testrig"
)

// standIn is an in-test NetworkManager on a private bus: the real bus
// name, object paths, interfaces and properties, one active connection on
// one device.
type standIn struct {
	conn   *dbus.Conn
	active *prop.Properties
}

// Object paths as NetworkManager numbers them.
const (
	activePath = dbus.ObjectPath(nmPath + "/ActiveConnection/1")
	devicePath = dbus.ObjectPath(nmPath + "/Devices/3")
)

// newStandIn owns org.freedesktop.NetworkManager on the bus at addr, with
// connection name on interface iface.
func newStandIn(t testing.TB, addr, iface, name string) *standIn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	emit := func(v any) *prop.Prop { return &prop.Prop{Value: v, Emit: prop.EmitTrue} }
	if _, err := prop.Export(conn, nmPath, prop.Map{nmName: {
		"ActiveConnections": emit([]dbus.ObjectPath{activePath}),
		"State":             emit(uint32(70)),
	}}); err != nil {
		t.Fatal(err)
	}
	active, err := prop.Export(conn, activePath, prop.Map{nmActive: {
		"Id": emit(name), "Uuid": emit("uuid-" + name), "Type": emit("802-11-wireless"),
		"Devices": emit([]dbus.ObjectPath{devicePath}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, devicePath, prop.Map{nmDevice: {
		"Interface": emit(iface), "IpInterface": emit(iface),
	}}); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(nmName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", nmName, reply, err)
	}
	return &standIn{conn: conn, active: active}
}

// hostAddress is an interface of this machine that is up, with an IPv4
// address, not loopback.
func hostAddress(t *testing.T) (string, netip.Addr) {
	t.Helper()
	s, err := ReadKernel()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range s.Ifaces {
		if !i.Up || i.Loopback {
			continue
		}
		for _, p := range i.Addrs {
			if p.Addr().Is4() {
				return i.Name, p.Addr()
			}
		}
	}
	testrig.Need(t, false, "a network interface with an IPv4 address")
	return "", netip.Addr{}
}

// TestNetworkManagerNamesAndForgedSignals names a network after the
// stand-in's connection; signals sent by another program, broadcast or
// addressed to the Watcher's own connection, are not heard at all (no
// reading), while a real change of the connection's name is read and
// changes the verdict.
func TestNetworkManagerNamesAndForgedSignals(t *testing.T) {
	addr := testrig.Bus(t)
	iface, a := hostAddress(t)
	nm := newStandIn(t, addr, iface, "Home")

	w := NewWatcher(Options{Bus: addr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.Refresh(ctx) // so that Run's reading is the second
	go w.Run(ctx)
	waitFor(t, "Run's first reading", func() bool { return w.Reads() >= 2 && w.Classify(a).Networks[0].Name == "Home" })
	r := w.Classify(a)
	if n := r.Networks[0]; n.Interface != iface || n.UUID != "uuid-Home" || n.Type != "802-11-wireless" {
		t.Fatalf("network %+v: want %s named Home by the stand-in", n, iface)
	}
	gen, reads := w.Generation(), w.Reads()

	// Another program on the bus forges NetworkManager's signals: broadcast
	// (the bus filters them by sender) and sent to the Watcher's own
	// connection (the bus delivers those whatever the match rules; the
	// Watcher checks the sender itself).
	forger, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	if err := forger.Emit(nmPath, nmName+".StateChanged", uint32(20)); err != nil {
		t.Fatal(err)
	}
	if err := forger.Emit(activePath, dbusProps+".PropertiesChanged", nmActive,
		map[string]dbus.Variant{"Id": dbus.MakeVariant("Café")}, []string{}); err != nil {
		t.Fatal(err)
	}
	own := w.current().conn.Names()[0]
	for _, m := range []struct {
		path          dbus.ObjectPath
		iface, member string
		body          []any
	}{
		{nmPath, nmName, "StateChanged", []any{uint32(20)}},
		{nmPath, "org.freedesktop.DBus", "NameOwnerChanged", []any{nmName, ":1.1", ":1.99"}},
	} {
		msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath: dbus.MakeVariant(m.path), dbus.FieldInterface: dbus.MakeVariant(m.iface),
			dbus.FieldMember: dbus.MakeVariant(m.member), dbus.FieldDestination: dbus.MakeVariant(own),
			dbus.FieldSignature: dbus.MakeVariant(dbus.SignatureOf(m.body...)),
		}, Body: m.body}
		if call := forger.Send(msg, nil); call.Err != nil {
			t.Fatal(call.Err)
		}
	}
	// The forger's messages are ordered before this call's reply.
	if err := forger.BusObject().Call("org.freedesktop.DBus.GetId", 0).Err; err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * settle)
	if got := w.Reads(); got != reads {
		t.Errorf("forged signals made %d readings", got-reads)
	}
	if g, name := w.Generation(), w.Classify(a).Networks[0].Name; g != gen || name != "Home" {
		t.Errorf("after forged signals: generation %d (was %d), name %q: a forged signal changed the verdict", g, gen, name)
	}

	// NetworkManager itself changes: the stand-in's property and signal.
	nm.active.SetMust(nmActive, "Id", "Café")
	waitFor(t, "the real change to be read", func() bool { return w.Generation() > gen })
	r = w.Classify(a)
	if r.Networks[0].Name != "Café" || !strings.Contains(r.Text(), "'Café'") {
		t.Errorf("after the connection changed: %+v, %q", r.Networks[0], r.Text())
	}
}

// TestNoNetworkManager: on a bus without NetworkManager, networks have no
// names and the absence is not logged as a problem, however often the
// state is read.
func TestNoNetworkManager(t *testing.T) {
	addr := testrig.Bus(t)
	_, a := hostAddress(t)
	var logs bytes.Buffer
	w := NewWatcher(Options{Bus: addr, Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	for range 3 {
		if _, err := w.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if r := w.Classify(a); len(r.Networks) == 0 || r.Networks[0].Name != "" {
		t.Errorf("without NetworkManager: %+v", r)
	}
	if logs.Len() > 0 {
		t.Errorf("logged without NetworkManager:\n%s", logs.String())
	}
}

// BenchmarkRefreshWithNetworkManager measures a refresh that reads the
// kernel and the stand-in's one connection over a private bus.
func BenchmarkRefreshWithNetworkManager(b *testing.B) {
	addr := testrig.Bus(b)
	s, err := ReadKernel()
	if err != nil {
		b.Fatal(err)
	}
	newStandIn(b, addr, s.Ifaces[len(s.Ifaces)-1].Name, "Home")
	w := NewWatcher(Options{Bus: addr})
	w.Refresh(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
