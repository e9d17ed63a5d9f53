package history

import (
	"context"
	"testing"
	"time"

	"portlight/monitor"
)

// udp5353 is a listener on the mDNS endpoint, which avahi, browsers and
// media players hold at once.
func udp5353(exe string, pid int32, inode uint64) monitor.Listener {
	l := listener(5353, exe, pid)
	l.Proto, l.Address, l.Exposure, l.Inode = monitor.UDP, "0.0.0.0", monitor.Network, inode
	return l
}

// sessionsOf returns the sessions on 5353/udp by executable.
func sessionsOf(t *testing.T, s *Store) map[string][]Session {
	t.Helper()
	ss, err := s.Sessions(context.Background(), Query{Port: 5353, Proto: monitor.UDP})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]Session{}
	for _, x := range ss {
		out[x.Listener.Exe] = append(out[x.Listener.Exe], x)
	}
	return out
}

// TestSharedEndpointKeepsASessionPerSocket: two programs on one endpoint
// are two sessions; one closing leaves the other open and counted.
func TestSharedEndpointKeepsASessionPerSocket(t *testing.T) {
	for _, tc := range []struct {
		name          string
		avahi, chrome monitor.Listener
	}{
		{"inodes", udp5353("/usr/sbin/avahi-daemon", 600, 1111), udp5353("/opt/google/chrome/chrome", 700, 2222)},
		{"no inodes", udp5353("/usr/sbin/avahi-daemon", 600, 0), udp5353("/opt/google/chrome/chrome", 700, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := openTest(t, Options{})
			r := startTest(t, s)
			avahi, chrome := tc.avahi, tc.chrome
			record(t, r,
				ev(monitor.Opened, t0, avahi),
				ev(monitor.Opened, t0, chrome),
			)
			record(t, r, ev(monitor.Closed, t0.Add(time.Minute), chrome))
			got := sessionsOf(t, s)
			if a := got[avahi.Exe]; len(a) != 1 || !a[0].ClosedAt.IsZero() {
				t.Fatalf("avahi's sessions after chrome closed: %+v (want one, open)", a)
			}
			if c := got[chrome.Exe]; len(c) != 1 || !c[0].ClosedAt.Equal(t0.Add(time.Minute)) || c[0].EndKind != "closed" {
				t.Fatalf("chrome's sessions: %+v (want one, closed at +1m)", c)
			}
			// Two hours on, avahi has held the port long enough to be usual.
			clk.Set(t0.Add(2 * time.Hour))
			if o, ok, err := s.UsualOwner(context.Background(), 5353, monitor.UDP); err != nil || !ok || o.Exe != avahi.Exe {
				t.Fatalf("usual owner = %+v, %v, %v; want avahi", o, ok, err)
			}
		})
	}
}

// TestSharedEndpointOwnerChangeEndsThePreviousSocket: an owner change on a
// shared endpoint ends the session of the socket that changed hands, not
// another one.
func TestSharedEndpointOwnerChangeEndsThePreviousSocket(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	avahi := udp5353("/usr/sbin/avahi-daemon", 600, 1111)
	chrome := udp5353("/opt/google/chrome/chrome", 700, 2222)
	spotify := udp5353("/usr/bin/spotify", 800, 3333)
	record(t, r, ev(monitor.Opened, t0, avahi), ev(monitor.Opened, t0, chrome))
	changed := ev(monitor.OwnerChanged, t0.Add(time.Minute), spotify)
	changed.Previous = &chrome
	record(t, r, changed)
	got := sessionsOf(t, s)
	if a := got[avahi.Exe]; len(a) != 1 || !a[0].ClosedAt.IsZero() {
		t.Errorf("avahi: %+v (want open)", a)
	}
	if c := got[chrome.Exe]; len(c) != 1 || c[0].EndKind != "owner_changed" {
		t.Errorf("chrome: %+v (want ended by the owner change)", c)
	}
	if sp := got[spotify.Exe]; len(sp) != 1 || sp[0].PreviousExe != chrome.Exe || !sp[0].ClosedAt.IsZero() {
		t.Errorf("spotify: %+v (want open, previous chrome)", sp)
	}
}

// TestReloadedSessionsMatchSocketsByOwner: after a failed transaction the
// writer reloads open sessions from the database, which keeps no inode;
// a later close of the socket still ends its session.
func TestReloadedSessionsMatchSocketsByOwner(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	avahi := udp5353("/usr/sbin/avahi-daemon", 600, 1111)
	chrome := udp5353("/opt/google/chrome/chrome", 700, 2222)
	record(t, r, ev(monitor.Opened, t0, avahi), ev(monitor.Opened, t0, chrome))
	if err := r.w.reload(context.Background(), s.db); err != nil {
		t.Fatal(err)
	}
	record(t, r, ev(monitor.Closed, t0.Add(time.Minute), chrome))
	got := sessionsOf(t, s)
	if c := got[chrome.Exe]; len(c) != 1 || c[0].ClosedAt.IsZero() {
		t.Errorf("chrome: %+v (want closed)", c)
	}
	if a := got[avahi.Exe]; len(a) != 1 || !a[0].ClosedAt.IsZero() {
		t.Errorf("avahi: %+v (want open)", a)
	}
}
