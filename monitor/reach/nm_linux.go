package reach

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/godbus/dbus/v5"
)

// NetworkManager's D-Bus names (its D-Bus API reference).
const (
	nmName       = "org.freedesktop.NetworkManager"
	nmPath       = "/org/freedesktop/NetworkManager"
	nmActive     = nmName + ".Connection.Active"
	busName      = "org.freedesktop.DBus" // the bus itself, sender of NameOwnerChanged
	nmDevice     = nmName + ".Device"
	dbusProps    = "org.freedesktop.DBus.Properties"
	maxNMObjects = 64 // bounds what a misbehaving service can make us read
)

// errNoNM: NetworkManager does not run on the bus (not an error to report
// more than once: many machines have no NetworkManager).
var errNoNM = errors.New("NetworkManager is not running")

// nmSignal is what NetworkManager's signals arrive as.
type nmSignal = dbus.Signal

// nmClient reads the active connections of NetworkManager and hears its
// signals. A signal only wakes the Watcher, which reads the properties
// again: a signal's content is never believed. Nor is its coming: the bus
// delivers a signal sent to this connection by name whatever the match
// rules say, so one wakes the Watcher only when its sender is
// NetworkManager's owner on the bus (or, for NameOwnerChanged, the bus).
type nmClient struct {
	conn    *dbus.Conn
	signals chan *dbus.Signal

	mu    sync.Mutex
	owner string // the unique name that owns nmName, "" when none
}

// dialNM connects to the bus at addr ("" for the system bus) and
// subscribes to NetworkManager's StateChanged and PropertiesChanged
// signals and to its appearing and leaving the bus.
func dialNM(addr string) (*nmClient, error) {
	var conn *dbus.Conn
	var err error
	if addr == "" {
		conn, err = dbus.ConnectSystemBus()
	} else {
		conn, err = dbus.Connect(addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to the system bus: %w", err)
	}
	matches := [][]dbus.MatchOption{
		{dbus.WithMatchSender(nmName), dbus.WithMatchInterface(nmName), dbus.WithMatchMember("StateChanged")},
		{dbus.WithMatchSender(nmName), dbus.WithMatchInterface(dbusProps), dbus.WithMatchMember("PropertiesChanged"), dbus.WithMatchPathNamespace(nmPath)},
		{dbus.WithMatchSender(busName), dbus.WithMatchInterface(busName), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, nmName)},
	}
	for _, m := range matches {
		if err := conn.AddMatchSignal(m...); err != nil {
			conn.Close()
			return nil, fmt.Errorf("subscribe to NetworkManager's signals: %w", err)
		}
	}
	c := &nmClient{conn: conn, signals: make(chan *dbus.Signal, 16)}
	conn.Signal(c.signals)
	// Asked after subscribing: a change of owner in between arrives as a
	// signal and is applied after this answer, in the bus's order.
	var owner string
	if err := conn.BusObject().Call(busName+".GetNameOwner", 0, nmName).Store(&owner); err != nil && !noOwner(err) {
		conn.Close()
		return nil, fmt.Errorf("ask who owns %s: %w", nmName, err)
	}
	c.owner = owner
	return c, nil
}

// close ends the connection; its signal channel closes with it.
func (c *nmClient) close() { c.conn.Close() }

// heard reports whether sig comes from NetworkManager (or from the bus,
// saying NetworkManager came or went, which it also notes): a signal from
// any other connection is ignored.
func (c *nmClient) heard(sig *nmSignal) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sig.Sender == busName {
		if sig.Name != busName+".NameOwnerChanged" || len(sig.Body) != 3 || sig.Body[0] != nmName {
			return false
		}
		c.owner, _ = sig.Body[2].(string)
		return true
	}
	return c.owner != "" && sig.Sender == c.owner
}

// noOwner reports whether err says a name has no owner on the bus.
func noOwner(err error) bool {
	n := errName(err)
	return n == "org.freedesktop.DBus.Error.ServiceUnknown" || n == "org.freedesktop.DBus.Error.NameHasNoOwner"
}

// wake delivers one value per signal heard; nil (which never delivers)
// when there is no client.
func (c *nmClient) wake() <-chan *nmSignal {
	if c == nil {
		return nil
	}
	return c.signals
}

// conns reads the active connections: the interface each one's devices
// carry it on, mapped to its name, UUID and type.
func (c *nmClient) conns(ctx context.Context) (map[string]Conn, error) {
	v, err := c.get(ctx, nmPath, nmName, "ActiveConnections")
	if err != nil {
		if noOwner(err) {
			return nil, errNoNM
		}
		return nil, fmt.Errorf("read NetworkManager's active connections: %w", err)
	}
	paths, _ := v.Value().([]dbus.ObjectPath)
	out := map[string]Conn{}
	for i, p := range paths {
		if i == maxNMObjects {
			break
		}
		var props map[string]dbus.Variant
		if err := c.conn.Object(nmName, p).CallWithContext(ctx, dbusProps+".GetAll", 0, nmActive).Store(&props); err != nil {
			return nil, fmt.Errorf("read active connection %s: %w", p, err)
		}
		conn := Conn{Name: str(props["Id"]), UUID: str(props["Uuid"]), Type: str(props["Type"])}
		devs, _ := props["Devices"].Value().([]dbus.ObjectPath)
		for j, d := range devs {
			if j == maxNMObjects {
				break
			}
			for _, prop := range []string{"IpInterface", "Interface"} {
				v, err := c.get(ctx, d, nmDevice, prop)
				if err != nil {
					return nil, fmt.Errorf("read device %s: %w", d, err)
				}
				if name := str(v); name != "" {
					out[name] = conn
				}
			}
		}
	}
	return out, nil
}

// get reads one property.
func (c *nmClient) get(ctx context.Context, path dbus.ObjectPath, iface, prop string) (dbus.Variant, error) {
	var v dbus.Variant
	err := c.conn.Object(nmName, path).CallWithContext(ctx, dbusProps+".Get", 0, iface, prop).Store(&v)
	return v, err
}

// str is a string property's value, "" when it is not a string.
func str(v dbus.Variant) string {
	s, _ := v.Value().(string)
	return s
}

// errName is a D-Bus error's name ("" for another error); godbus returns
// both Error and *Error.
func errName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) {
		return dp.Name
	}
	return ""
}

// connected reports whether the bus connection still stands.
func (c *nmClient) connected() bool { return c.conn.Connected() }
