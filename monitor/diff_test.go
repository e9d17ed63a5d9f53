package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func lst(proto Proto, addr string, port uint16, pid int32, inode uint64) Listener {
	return Listener{Proto: proto, Address: addr, Port: port, Inode: inode, UID: 1000,
		Process: Process{PID: pid, Exe: fmt.Sprintf("/bin/p%d", pid)}}
}

func hidden(proto Proto, addr string, port uint16, uid uint32, inode uint64) Listener {
	return Listener{Proto: proto, Address: addr, Port: port, Inode: inode, UID: uid, OwnerHidden: true}
}

// summary renders events as "kind proto addr:port pid[<-prevpid]", sorted.
func summary(evs []Event) []string {
	var out []string
	for _, e := range evs {
		s := fmt.Sprintf("%s %s %s:%d %d", e.Kind, e.Listener.Proto, e.Listener.Address, e.Listener.Port, e.Listener.PID)
		if e.Previous != nil {
			s += fmt.Sprintf("<-%d", e.Previous.PID)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name       string
		prev, next []Listener
		want       []string
	}{
		{"nothing", nil, nil, nil},
		{"same", []Listener{lst(TCP, "::", 80, 1, 10)}, []Listener{lst(TCP, "::", 80, 1, 10)}, nil},
		{"opened", nil, []Listener{lst(TCP, "::", 80, 1, 10)}, []string{"opened tcp :::80 1"}},
		{"closed", []Listener{lst(UDP, "127.0.0.1", 53, 2, 11)}, nil, []string{"closed udp 127.0.0.1:53 2"}},
		{"owner changed",
			[]Listener{lst(TCP, "127.0.0.1", 8080, 1, 10)},
			[]Listener{lst(TCP, "127.0.0.1", 8080, 2, 12)},
			[]string{"owner_changed tcp 127.0.0.1:8080 2<-1"}},
		{"same owner, socket reopened: no event",
			[]Listener{lst(TCP, "127.0.0.1", 8080, 1, 10)},
			[]Listener{lst(TCP, "127.0.0.1", 8080, 1, 99)}, nil},
		{"protocol and address are part of the key",
			[]Listener{lst(TCP, "127.0.0.1", 53, 1, 10)},
			[]Listener{lst(UDP, "127.0.0.1", 53, 1, 11), lst(TCP, "::1", 53, 1, 12)},
			[]string{"closed tcp 127.0.0.1:53 1", "opened tcp ::1:53 1", "opened udp 127.0.0.1:53 1"}},
		{"hidden owner, same uid: no event",
			[]Listener{hidden(TCP, "0.0.0.0", 22, 0, 5)},
			[]Listener{hidden(TCP, "0.0.0.0", 22, 0, 5)}, nil},
		{"hidden owner, other uid",
			[]Listener{hidden(TCP, "0.0.0.0", 22, 0, 5)},
			[]Listener{hidden(TCP, "0.0.0.0", 22, 1000, 6)},
			[]string{"owner_changed tcp 0.0.0.0:22 0<-0"}},
		{"reuseport: one of two owners leaves",
			[]Listener{lst(TCP, "::", 443, 1, 10), lst(TCP, "::", 443, 2, 11)},
			[]Listener{lst(TCP, "::", 443, 2, 11)},
			[]string{"closed tcp :::443 1"}},
		{"reuseport: a third owner joins, order shuffled",
			[]Listener{lst(TCP, "::", 443, 2, 11), lst(TCP, "::", 443, 1, 10)},
			[]Listener{lst(TCP, "::", 443, 1, 10), lst(TCP, "::", 443, 3, 12), lst(TCP, "::", 443, 2, 11)},
			[]string{"opened tcp :::443 3"}},
		{"reuseport: one owner replaced",
			[]Listener{lst(UDP, "::", 5353, 1, 10), lst(UDP, "::", 5353, 2, 11)},
			[]Listener{lst(UDP, "::", 5353, 2, 11), lst(UDP, "::", 5353, 4, 13)},
			[]string{"owner_changed udp :::5353 4<-1"}},
		{"many ports",
			[]Listener{lst(TCP, "::", 1, 1, 1), lst(TCP, "::", 2, 1, 2), lst(TCP, "::", 4, 1, 4)},
			[]Listener{lst(TCP, "::", 2, 1, 2), lst(TCP, "::", 3, 1, 3), lst(TCP, "::", 4, 5, 5)},
			[]string{"closed tcp :::1 1", "opened tcp :::3 1", "owner_changed tcp :::4 5<-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			evs := Diff(Snapshot{Listeners: tc.prev}, Snapshot{Time: now, Listeners: tc.next})
			if got := summary(evs); !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
			for _, e := range evs {
				if !e.Time.Equal(now) {
					t.Errorf("event time %v, want %v", e.Time, now)
				}
			}
			if len(tc.want) == 0 && evs != nil {
				t.Errorf("want nil events, got %#v", evs)
			}
		})
	}
}

// fakeScanner plays a script of snapshots and errors, then blocks until the
// context is done.
type fakeScanner struct {
	mu     sync.Mutex
	script []func() (Snapshot, error)
	cancel context.CancelFunc
}

func (f *fakeScanner) Scan(ctx context.Context) (Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.script) == 0 {
		f.cancel()
		return Snapshot{}, ctx.Err()
	}
	step := f.script[0]
	f.script = f.script[1:]
	return step()
}

func snapOf(ls ...Listener) func() (Snapshot, error) {
	return func() (Snapshot, error) { return Snapshot{Time: time.Now(), Listeners: ls}, nil }
}

func failing(msg string) func() (Snapshot, error) {
	return func() (Snapshot, error) { return Snapshot{}, errors.New(msg) }
}

func TestWatch(t *testing.T) {
	a, b := lst(TCP, "::", 80, 1, 10), lst(UDP, "::", 53, 2, 11)
	for _, tc := range []struct {
		name   string
		opts   []WatchOption
		script []func() (Snapshot, error)
		want   []string // per callback: events joined by ";"
		errs   int
	}{
		{"baseline is silent", nil,
			[]func() (Snapshot, error){snapOf(a), snapOf(a, b), snapOf(b)},
			[]string{"", "opened udp :::53 2", "closed tcp :::80 1"}, 0},
		{"initial opened", []WatchOption{InitialOpened()},
			[]func() (Snapshot, error){snapOf(a), snapOf(a)},
			[]string{"opened tcp :::80 1", ""}, 0},
		{"failed scans are reported and skipped", nil,
			[]func() (Snapshot, error){failing("first"), snapOf(a), failing("x"), failing("y"), snapOf(b)},
			[]string{"", "closed tcp :::80 1;opened udp :::53 2"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			f := &fakeScanner{script: tc.script, cancel: cancel}
			var got []string
			errs := 0
			opts := append(tc.opts, OnScanError(func(error) { errs++ }))
			err := Watch(ctx, f, time.Millisecond, func(s Snapshot, evs []Event) {
				got = append(got, strings.Join(summary(evs), ";"))
			}, opts...)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Watch returned %v, want context.Canceled", err)
			}
			if !slices.Equal(got, tc.want) || errs != tc.errs {
				t.Errorf("callbacks %q, %d errors; want %q, %d errors", got, errs, tc.want, tc.errs)
			}
		})
	}
}

// BenchmarkDiffOneOpened diffs two snapshots of 400 listeners, as a Scanner
// returns them (sorted), in which one listener opened.
func BenchmarkDiffOneOpened(b *testing.B) {
	var prev, next Snapshot
	for i := range 400 {
		proto := Proto("tcp")
		if i%2 == 1 {
			proto = "udp"
		}
		l := lst(proto, "127.0.0.1", uint16(20000+i/2), int32(100+i), uint64(1000+i))
		prev.Listeners = append(prev.Listeners, l)
	}
	next.Listeners = slices.Clone(prev.Listeners)
	next.Listeners = append(next.Listeners, lst("tcp", "127.0.0.1", 30000, 99, 99))
	b.ReportAllocs()
	for b.Loop() {
		if evs := Diff(prev, next); len(evs) != 1 {
			b.Fatalf("%d events", len(evs))
		}
	}
}
