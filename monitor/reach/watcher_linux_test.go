//go:build linux

package reach

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5/prop"

	"portlight/internal/testrig"
)

// cpuTime is the CPU time this process has used so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBusGoesAndComesBack: when the system bus ends (godbus then closes
// the signal channel), the Watcher neither spins on the closed channel nor
// forgets the names, and when a bus comes back at the same address it
// dials it again and reads the names anew.
func TestBusGoesAndComesBack(t *testing.T) {
	listen := "unix:path=" + filepath.Join(t.TempDir(), "bus")
	addr, kill := testrig.BusAt(t, listen)
	iface, a := hostAddress(t)
	newStandIn(t, addr, iface, "Home")

	w := NewWatcher(Options{Bus: listen})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	waitFor(t, "the first reading", func() bool { return w.Classify(a).Networks[0].Name == "Home" })

	kill()
	waitFor(t, "the lost bus to be noticed", func() bool { return w.current() == nil })
	wakes, cpu := w.wakes.Load(), cpuTime(t)
	time.Sleep(time.Second)
	// One wake-up per attempt to dial again (the first a second after the
	// loss); a spinning loop counts millions and burns the whole second.
	if n := w.wakes.Load() - wakes; n > 4 {
		t.Errorf("%d wake-ups in the second after the bus went away", n)
	}
	if used := cpuTime(t) - cpu; used > 300*time.Millisecond {
		t.Errorf("the process used %v of CPU in the second after the bus went away", used)
	}
	if name := w.Classify(a).Networks[0].Name; name != "Home" {
		t.Errorf("without a bus the network is named %q; want the last name kept", name)
	}

	addr, _ = testrig.BusAt(t, listen)
	newStandIn(t, addr, iface, "Café")
	for end := time.Now().Add(10 * time.Second); w.Classify(a).Networks[0].Name != "Café"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the bus came back but the network is still named %q", w.Classify(a).Networks[0].Name)
		}
	}
}

// TestFailedReadingKeepsNames: a reading of NetworkManager that fails
// (here its device object is gone for a while) keeps the last names, so
// the verdicts do not change; the names are read again a little later
// without any signal.
func TestFailedReadingKeepsNames(t *testing.T) {
	addr := testrig.Bus(t)
	iface, a := hostAddress(t)
	nm := newStandIn(t, addr, iface, "Home")

	w := NewWatcher(Options{Bus: addr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	waitFor(t, "the first reading", func() bool { return w.Classify(a).Networks[0].Name == "Home" })
	gen := w.Generation()

	if err := nm.conn.Export(nil, devicePath, dbusProps); err != nil {
		t.Fatal(err)
	}
	nm.active.SetMust(nmActive, "Id", "Café") // signals: the Watcher reads and fails
	waitFor(t, "the failed reading", func() bool { _, failed := w.retryIn(); return failed })
	if g, name := w.Generation(), w.Classify(a).Networks[0].Name; g != gen || name != "Home" {
		t.Errorf("after a failed reading: generation %d (was %d), name %q; want the last names kept", g, gen, name)
	}

	emit := func(v any) *prop.Prop { return &prop.Prop{Value: v, Emit: prop.EmitTrue} }
	if _, err := prop.Export(nm.conn, devicePath, prop.Map{nmDevice: {
		"Interface": emit(iface), "IpInterface": emit(iface),
	}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, "the names read again", func() bool { return w.Classify(a).Networks[0].Name == "Café" })
	t.Logf("read again %v after the device came back", time.Since(start).Round(time.Millisecond))
	if w.Generation() == gen {
		t.Error("the new name did not change the generation")
	}
}
