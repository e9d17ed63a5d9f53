// Package notify shows desktop notifications for Portlight's alerts and
// reports clicks on them.
//
// On Linux it speaks org.freedesktop.Notifications over one private,
// long-lived D-Bus connection, so that the daemon's ActionInvoked and
// NotificationClosed signals (sent only to the connection that sent the
// notification) come back to us: clicking a notification opens the
// explainer of its listener. beeep and Fyne's SendNotification send no
// actions and never report a click (gen2brain/beeep#72, fyne-io/fyne#4953).
// On macOS and Windows it uses beeep; the tray's "Recent alerts" is the way
// in there.
package notify

import (
	"context"
	"errors"
)

// Action keys sent with each notification. ActionDefault is what the daemon
// invokes on a click on the bubble itself.
const (
	ActionDefault     = "default"
	ActionInvestigate = "investigate"
	ActionAllow       = "allow"
)

// ActionDismissed is the Click.Action reported when the user closed a
// notification without choosing any of its actions. It is never sent to
// the daemon as an action key.
const ActionDismissed = "portlight:dismissed"

// Message is one notification: plain-text title and body (the Linux
// notifier escapes the body for the spec's markup) and the identity of the
// listener it is about, handed back when the user acts on it.
type Message struct {
	// Key identifies the alert (listener key and owner); it comes back in
	// the Click.
	Key string
	// Port and Proto name the listener, e.g. 2476 and "tcp".
	Port  uint16
	Proto string
	// Title and Body are plain text, worded by the notice package.
	Title string
	Body  string
	// CanAllow adds an "Allow app…" action (ActionAllow, labelled
	// notice.AllowLabel), which opens the explainer to confirm.
	CanAllow bool
	// OpenLabel, when not "", replaces the "Investigate" action with one
	// button of this label (e.g. "Open Portlight"); it is reported as
	// ActionDefault, like a click on the bubble.
	OpenLabel string
}

// Click is the user acting on a notification: which one and which action
// (ActionDefault, ActionInvestigate, ActionAllow, or ActionDismissed when
// the user closed it).
type Click struct {
	Message Message
	Action  string
}

// Notifier shows notifications. Notify returns an error when no way to show
// one exists right now (no session bus, no notification daemon): the caller
// keeps the alert unread and tries again later.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
	// Actions reports whether clicks on notifications are reported; when
	// false the tray is the only way to an alert's explainer.
	Actions() bool
	Close() error
}

// ErrUnavailable is returned (wrapped) when there is no session bus or no
// notification daemon.
var ErrUnavailable = errors.New("notifications unavailable")
