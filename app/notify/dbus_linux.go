//go:build linux

package notify

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"

	"portlight/content/notice"
)

const (
	busName   = "org.freedesktop.Notifications"
	busPath   = "/org/freedesktop/Notifications"
	busIface  = "org.freedesktop.Notifications"
	appName   = "Portlight"
	timeoutMS = int32(-1) // the server's default

	// closedByUser is NotificationClosed's reason when the user closed
	// the notification (1 is expiry, 3 CloseNotification, 4 unknown).
	closedByUser = uint32(2)
)

// DBus is the Linux Notifier: org.freedesktop.Notifications on one private
// connection that lives as long as the notifier (the daemon sends
// ActionInvoked and NotificationClosed only to the sending connection). It
// is not the connection fyne.io/systray uses: systray's re-registration
// goroutine stops at the first two-argument signal on its connection.
type DBus struct {
	addr    string // "" means the session bus from DBUS_SESSION_BUS_ADDRESS
	onClick func(Click)
	icon    string
	log     *slog.Logger

	mu      sync.Mutex
	conn    *dbus.Conn
	sent    map[uint32]sent
	acted   map[uint32]bool // sent notifications the user chose an action of
	actions bool
	done    chan struct{}
}

// sent is a notification on screen: its message and the action keys it
// offered. A signal naming another key is not the user's click.
type sent struct {
	msg     Message
	offered []string
}

// NewDBus returns a notifier for the bus at addr ("" for the session bus).
// onClick is called, on the notifier's own goroutine, when the user clicks a
// notification or one of its actions, and when the user closes one without
// acting on it (ActionDismissed). icon is an icon name or file path
// ("" for none). It connects lazily: with no bus or no daemon now, Notify
// fails and a later Notify tries again.
func NewDBus(addr string, icon string, onClick func(Click), log *slog.Logger) *DBus {
	if log == nil {
		log = slog.Default()
	}
	return &DBus{addr: addr, icon: icon, onClick: onClick, log: log, sent: map[uint32]sent{}, acted: map[uint32]bool{}}
}

// New returns the platform's notifier: on Linux, NewDBus on the session bus.
func New(icon string, onClick func(Click), log *slog.Logger) Notifier {
	return NewDBus("", icon, onClick, log)
}

// connect returns the live connection, dialing a new one when there is none
// or the old one died. Called with d.mu held.
func (d *DBus) connect() (*dbus.Conn, error) {
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
		close(d.done)
		clear(d.sent)
		clear(d.acted)
	}
	addr := d.addr
	if addr == "" {
		// Without this check godbus autolaunches a private bus that no
		// notification daemon listens to, and leaves it running.
		addr = os.Getenv("DBUS_SESSION_BUS_ADDRESS")
		if addr == "" {
			return nil, fmt.Errorf("no session bus (DBUS_SESSION_BUS_ADDRESS unset): %w", ErrUnavailable)
		}
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connect to session bus: %w: %w", ErrUnavailable, err)
	}
	// The daemon's signals are broadcasts any connection on the bus can
	// forge. The match names the daemon (the bus resolves it to the current
	// owner) and handle checks the sender's unique name against the owner
	// tracked here: NameOwnerChanged is matched before GetNameOwner is
	// asked, so no change of owner falls between the two.
	if err := conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, busName),
	); err != nil {
		conn.Close()
		return nil, fmt.Errorf("match NameOwnerChanged: %w", err)
	}
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignal(
			dbus.WithMatchSender(busName),
			dbus.WithMatchObjectPath(busPath),
			dbus.WithMatchInterface(busIface),
			dbus.WithMatchMember(member),
		); err != nil {
			conn.Close()
			return nil, fmt.Errorf("match %s signals: %w", member, err)
		}
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	var owner string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, busName).Store(&owner); err != nil {
		owner = "" // no daemon yet: NameOwnerChanged says when one comes
	}
	d.conn = conn
	d.done = make(chan struct{})
	go d.listen(signals, d.done, owner)
	return conn, nil
}

// listen turns the daemon's signals into clicks until the connection
// closes. owner is the unique name that owns org.freedesktop.Notifications
// now ("" for none); only its signals count.
func (d *DBus) listen(signals chan *dbus.Signal, done chan struct{}, owner string) {
	for {
		select {
		case <-done:
			return
		case sig, ok := <-signals:
			if !ok || sig == nil {
				return
			}
			owner = d.handle(sig, owner)
		}
	}
}

// handle serves one signal and returns the daemon's owner after it.
// ActionInvoked and NotificationClosed count only from that owner, and an
// action only when the notification offered it.
func (d *DBus) handle(sig *dbus.Signal, owner string) string {
	if sig.Name == "org.freedesktop.DBus.NameOwnerChanged" {
		if sig.Sender != "org.freedesktop.DBus" || len(sig.Body) != 3 {
			return owner
		}
		name, _ := sig.Body[0].(string)
		newOwner, ok := sig.Body[2].(string)
		if name != busName || !ok {
			return owner
		}
		if newOwner != owner {
			d.log.Debug("notification daemon changed", "owner", newOwner)
			// A new daemon never showed the old one's notifications.
			d.mu.Lock()
			clear(d.sent)
			d.mu.Unlock()
		}
		return newOwner
	}
	if owner == "" || sig.Sender != owner {
		if sig.Name == busIface+".ActionInvoked" {
			d.log.Debug("ignored a notification action from a program that is not the notification daemon",
				"sender", sig.Sender, "daemon", owner)
		}
		return owner
	}
	if len(sig.Body) < 2 {
		return owner
	}
	id, ok := sig.Body[0].(uint32)
	if !ok {
		return owner
	}
	switch sig.Name {
	case busIface + ".ActionInvoked":
		key, _ := sig.Body[1].(string)
		if key == ActionDismissed {
			return owner // not a key we offer
		}
		d.mu.Lock()
		s, ok := d.sent[id]
		ok = ok && slices.Contains(s.offered, key)
		if ok {
			d.acted[id] = true
		}
		d.mu.Unlock()
		if !ok {
			return owner
		}
		if d.onClick != nil {
			d.onClick(Click{Message: s.msg, Action: key})
		}
	case busIface + ".NotificationClosed":
		reason, _ := sig.Body[1].(uint32)
		d.mu.Lock()
		s, ok := d.sent[id]
		acted := d.acted[id]
		delete(d.sent, id)
		delete(d.acted, id)
		d.mu.Unlock()
		// Daemons close a notification after an action is chosen on it,
		// often as "closed by the user": that is not a dismissal.
		if ok && !acted && reason == closedByUser && d.onClick != nil {
			d.onClick(Click{Message: s.msg, Action: ActionDismissed})
		}
	}
	return owner
}

// Notify shows m. Where the server supports actions, the notification
// carries "default" and "Investigate" (and "Allow app…" when m.CanAllow), or
// only "default" labelled m.OpenLabel;
// otherwise it is plain and the tray is the way in.
func (d *DBus) Notify(ctx context.Context, m Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	conn, err := d.connect()
	if err != nil {
		return err
	}
	obj := conn.Object(busName, busPath)
	var caps []string
	if err := obj.CallWithContext(ctx, busIface+".GetCapabilities", 0).Store(&caps); err != nil {
		return fmt.Errorf("notification daemon: GetCapabilities: %w: %w", ErrUnavailable, err)
	}
	d.actions = slices.Contains(caps, "actions")
	body := m.Body
	if slices.Contains(caps, "body-markup") {
		body = Markup(body)
	}
	var actions []string
	switch {
	case d.actions && m.OpenLabel != "":
		actions = []string{ActionDefault, m.OpenLabel}
	case d.actions:
		actions = []string{ActionDefault, notice.InvestigateLabel, ActionInvestigate, notice.InvestigateLabel}
		if m.CanAllow {
			actions = append(actions, ActionAllow, notice.AllowLabel)
		}
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(byte(1)),
		"category":      dbus.MakeVariant("network"),
		"desktop-entry": dbus.MakeVariant("portlight"),
	}
	var id uint32
	err = obj.CallWithContext(ctx, busIface+".Notify", 0,
		appName, uint32(0), d.icon, m.Title, body, actions, hints, timeoutMS).Store(&id)
	if err != nil {
		return fmt.Errorf("notification daemon: Notify: %w: %w", ErrUnavailable, err)
	}
	offered := make([]string, 0, len(actions)/2)
	for i := 0; i+1 < len(actions); i += 2 {
		offered = append(offered, actions[i])
	}
	d.sent[id] = sent{msg: m, offered: offered}
	d.log.Debug("notified", "id", id, "key", m.Key, "actions", d.actions)
	return nil
}

// Actions reports whether the daemon last seen supports actions.
func (d *DBus) Actions() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.actions
}

// Close closes the connection; pending notifications stay on screen but
// their clicks are no longer reported.
func (d *DBus) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	close(d.done)
	err := d.conn.Close()
	d.conn = nil
	return err
}
