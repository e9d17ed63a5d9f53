package resident

import (
	"fmt"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// Alert is one alert the tray keeps: an alerting listener (one port and
// protocol, one owner), when it was seen, and whether the user has seen it.
type Alert struct {
	// ID is the alert's identity: port, protocol and owner (see alertID).
	ID         string
	Assessment policy.Assessment
	Time       time.Time
	// Read is set when the user opened the alert (from the tray or the
	// notification).
	Read bool
	// Open is true while at least one of its sockets still listens.
	Open bool
	// allowedSeen is set once the user allowed the alert's program (see
	// resident.markAllowed), so it is recorded once.
	allowedSeen bool
}

// AlertLog is the tray's memory of alerts: the alerting listeners the
// noise gate (policy.Gate) reported, one per port, protocol and owner while
// it stays open whatever addresses it binds, newest first, with what the
// user has read. It is pure: no I/O, no clock of its own.
type AlertLog struct {
	max    int
	alerts []*Alert // newest first
	// sockets maps a socket to the alert it belongs to, for sockets that
	// are open now.
	sockets map[socketKey]*Alert
}

// socketKey identifies one socket of one owner. Several sockets may share
// an endpoint (Listener.Key): 5353/udp held by avahi and a browser at once,
// or SO_REUSEPORT; one closing must not close the other's alert. The inode
// tells sockets apart, the owner (pid and start time, or uid when hidden)
// tells them apart when the source has no inode.
type socketKey struct {
	endpoint string
	inode    uint64
	pid      int32
	uid      uint32
	start    int64
}

func socketOf(l monitor.Listener) socketKey {
	return socketKey{endpoint: l.Key(), inode: l.Inode, pid: l.PID, uid: l.UID, start: l.StartTime.UnixNano()}
}

// NewAlertLog returns a log that keeps at most max alerts (older closed
// ones are dropped first).
func NewAlertLog(max int) *AlertLog {
	return &AlertLog{max: max, sockets: map[socketKey]*Alert{}}
}

// alertID names an alert: protocol, port and owner. A process that listens
// on 0.0.0.0 and :: at once raises one alert, and the same port taken over
// by another process raises a new one.
func alertID(l monitor.Listener) string {
	owner := fmt.Sprintf("pid %d exe %q start %d", l.PID, l.Exe, l.StartTime.UnixNano())
	if l.OwnerHidden {
		owner = fmt.Sprintf("uid %d hidden", l.UID)
	}
	return fmt.Sprintf("%d/%s %s", l.Port, l.Proto, owner)
}

// Add records an alert for an alerting listener that the noise gate let
// through, and returns it; nil when the listener's port and owner already
// have an open alert (the same program on 0.0.0.0 and ::, or a repeat).
func (g *AlertLog) Add(a policy.Assessment, at time.Time) *Alert {
	key := socketOf(a.Listener)
	id := alertID(a.Listener)
	if al, ok := g.sockets[key]; ok && al.ID == id {
		return nil
	}
	g.close(key)
	for _, al := range g.alerts {
		if al.ID == id && al.Open {
			g.sockets[key] = al
			return nil
		}
	}
	al := &Alert{ID: id, Assessment: a, Time: at, Open: true}
	g.sockets[key] = al
	g.alerts = append([]*Alert{al}, g.alerts...)
	g.trim()
	return al
}

// Closed records that the listener's socket stopped listening, or passed
// to another owner (the Previous of an owner change).
func (g *AlertLog) Closed(l monitor.Listener) { g.close(socketOf(l)) }

// close removes a socket from its alert; the alert is closed when none of
// its sockets is left.
func (g *AlertLog) close(key socketKey) {
	al, ok := g.sockets[key]
	if !ok {
		return
	}
	delete(g.sockets, key)
	for _, other := range g.sockets {
		if other == al {
			return
		}
	}
	al.Open = false
}

// trim drops alerts beyond max: the oldest of the least important first
// (closed, then read, then local-only, then reachable from the network), so
// a flood of local listeners cannot push out the alert that matters.
func (g *AlertLog) trim() {
	for len(g.alerts) > g.max {
		drop, worst := len(g.alerts)-1, 4
		for i := len(g.alerts) - 1; i >= 0; i-- {
			if w := keepWeight(g.alerts[i]); w < worst {
				drop, worst = i, w
			}
		}
		dropped := g.alerts[drop]
		g.alerts = append(g.alerts[:drop], g.alerts[drop+1:]...)
		for k, al := range g.sockets {
			if al == dropped {
				delete(g.sockets, k)
			}
		}
	}
}

// keepWeight ranks how much an alert deserves to be kept.
func keepWeight(al *Alert) int {
	switch {
	case !al.Open:
		return 0
	case al.Read:
		return 1
	case al.Assessment.Exposure != monitor.Network:
		return 2
	}
	return 3
}

// Recent returns copies of the alerts, newest first.
func (g *AlertLog) Recent() []Alert {
	out := make([]Alert, len(g.alerts))
	for i, al := range g.alerts {
		out[i] = *al
	}
	return out
}

// Unread counts the alerts the user has not opened.
func (g *AlertLog) Unread() int {
	n := 0
	for _, al := range g.alerts {
		if !al.Read {
			n++
		}
	}
	return n
}

// find returns the alert with id, or nil.
func (g *AlertLog) find(id string) *Alert {
	for _, al := range g.alerts {
		if al.ID == id {
			return al
		}
	}
	return nil
}

// MarkRead records that the user opened the alert; it reports whether the
// alert exists.
func (g *AlertLog) MarkRead(id string) bool {
	al := g.find(id)
	if al != nil {
		al.Read = true
	}
	return al != nil
}

// MarkAllRead marks every alert read.
func (g *AlertLog) MarkAllRead() {
	for _, al := range g.alerts {
		al.Read = true
	}
}

// Get returns a copy of the alert with id.
func (g *AlertLog) Get(id string) (Alert, bool) {
	if al := g.find(id); al != nil {
		return *al, true
	}
	return Alert{}, false
}

// markAllowed notes that the alert's program was allowed; false when the
// alert is gone.
func (g *AlertLog) markAllowed(id string) bool {
	if al := g.find(id); al != nil {
		al.allowedSeen = true
		return true
	}
	return false
}
