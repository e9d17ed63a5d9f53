//go:build linux

package resident

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// errSessionGone means the session bus closed: the desktop session ended.
var errSessionGone = errors.New("session bus closed")

const (
	notificationsName = "org.freedesktop.Notifications"
	watcherName       = "org.kde.StatusNotifierWatcher"
	watcherPath       = "/StatusNotifierWatcher"
	itemPath          = "/StatusNotifierItem"
	dbusName          = "org.freedesktop.DBus"
	registerStep      = 50 * time.Millisecond
)

// sessionBusAvailable reports whether a session bus is configured and
// reachable. Without the first check godbus would autolaunch a private bus
// per connection that no tray host or notification daemon listens to; the
// second matters because fyne.io/systray, once started on a bus it cannot
// reach, dereferences a nil connection when it ends.
func sessionBusAvailable() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false
	}
	_, err := dbus.SessionBus() // the shared connection systray will use
	return err == nil
}

// keepRegistered keeps the tray item registered with the
// StatusNotifierWatcher for as long as ctx lives. fyne.io/systray registers
// once at start and once as soon as a new watcher's name appears, before
// that watcher exports its object, so after a panel restart (or a watcher
// that starts after us) the icon stays away (UnknownObject). We watch the
// name's owner on a private connection of our own (a signal on systray's
// connection would stop its re-registration goroutine) and register on
// systray's connection, whose name the watcher records, 50 ms after a new
// owner appears and again with backoff until it takes.
//
// It also calls onNotifier when a notification daemon takes its name, so
// alerts kept while there was none are shown at once, and returns
// errSessionGone when the session bus goes away. onHost is called with
// whether a tray host exists each time the watcher's name changes owner.
func keepRegistered(ctx context.Context, log *slog.Logger, onNotifier func(), onHost func(bool)) error {
	watch, err := dbus.ConnectSessionBus()
	if err != nil {
		return fmt.Errorf("tray: connect to session bus: %w", err)
	}
	defer watch.Close()
	if err := watch.AddMatchSignal(
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface(dbusName),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	); err != nil {
		return fmt.Errorf("tray: watch %s: %w", watcherName, err)
	}
	if err := watch.AddMatchSignal(
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface(dbusName),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, notificationsName),
	); err != nil {
		return fmt.Errorf("tray: watch %s: %w", notificationsName, err)
	}
	signals := make(chan *dbus.Signal, 8)
	watch.Signal(signals)
	// Asked again now that changes are watched: a host that appeared since
	// the resident's first look is not missed.
	var present bool
	if err := watch.BusObject().Call(dbusName+".NameHasOwner", 0, watcherName).Store(&present); err == nil {
		onHost(present)
	}

	// A first round at start: the watcher may have started together with us.
	retry := time.NewTimer(registerStep)
	delay := registerStep
	for {
		select {
		case <-ctx.Done():
			retry.Stop()
			return nil
		case sig, ok := <-signals:
			if !ok || sig == nil {
				if ctx.Err() != nil {
					return nil
				}
				return errSessionGone
			}
			if len(sig.Body) != 3 {
				continue
			}
			name, _ := sig.Body[0].(string)
			owner, _ := sig.Body[2].(string)
			switch {
			case name == watcherName && owner == "":
				log.Info("tray host went away")
				onHost(false)
			case owner == "":
			case name == notificationsName:
				log.Info("notification daemon appeared", "owner", owner)
				onNotifier()
			case name == watcherName:
				log.Info("tray host appeared", "owner", owner)
				onHost(true)
				delay = registerStep
				retry.Reset(delay)
			}
		case <-retry.C:
			done, err := ensureRegistered()
			if done {
				continue
			}
			if delay < 10*time.Second {
				log.Debug("tray registration pending", "err", err, "retry_in", delay*4)
				delay *= 4
				retry.Reset(delay)
			} else {
				log.Info("no tray host yet; waiting for one", "err", err)
			}
		}
	}
}

// hostPresent reports whether a tray host owns the watcher's name.
func hostPresent() (bool, error) {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false, fmt.Errorf("tray: session bus: %w", err)
	}
	var ok bool
	if err := conn.BusObject().Call(dbusName+".NameHasOwner", 0, watcherName).Store(&ok); err != nil {
		return false, fmt.Errorf("tray: ask for %s: %w", watcherName, err)
	}
	return ok, nil
}

// ensureRegistered registers the item on systray's connection unless the
// watcher already lists it. It reports whether the item is registered.
func ensureRegistered() (bool, error) {
	conn, err := dbus.SessionBus() // systray's shared connection
	if err != nil {
		return false, err
	}
	w := conn.Object(watcherName, watcherPath)
	if registeredIn(w, conn.Names()) {
		return true, nil
	}
	call := w.Call(watcherName+".RegisterStatusNotifierItem", 0, itemPath)
	if call.Err != nil {
		return false, call.Err
	}
	return true, nil
}

// registeredIn reports whether the watcher's RegisteredSNIEntries (an
// array of (service, path) pairs) names one of our bus names.
func registeredIn(w dbus.BusObject, names []string) bool {
	v, err := w.GetProperty(watcherName + ".RegisteredSNIEntries")
	if err != nil {
		return false
	}
	return hasEntry(entryServices(v.Value()), names)
}

// entryServices extracts the service names of RegisteredSNIEntries: pairs
// of (service, path), or plain "service[/path]" strings from watchers that
// use RegisteredStatusNotifierItems' shape.
func entryServices(v any) []string {
	var out []string
	switch x := v.(type) {
	case [][]any:
		for _, pair := range x {
			if len(pair) > 0 {
				if s, ok := pair[0].(string); ok {
					out = append(out, s)
				}
			}
		}
	case []string:
		for _, e := range x {
			svc, _, _ := strings.Cut(e, "/")
			out = append(out, svc)
		}
	}
	return out
}

// hasEntry reports whether one of services is one of names.
func hasEntry(services, names []string) bool {
	for _, s := range services {
		for _, n := range names {
			if s == n {
				return true
			}
		}
	}
	return false
}
