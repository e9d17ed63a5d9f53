package settings_test

import (
	"fmt"
	"os"
	"time"

	"portlight/content/notice"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/settings"
)

// Example shows how the resident process wires the store, the policy and
// the noise gate: one loop, one tick per poll interval.
func Example() {
	dir, _ := os.MkdirTemp("", "portlight-example")
	defer os.RemoveAll(dir)

	store, err := settings.Open(dir) // settings.OpenDefault() in the app
	if err != nil {
		panic(err)
	}
	st, err := settings.LoadState(store.Dir()) // a bad state file: log err, go on
	if err != nil {
		fmt.Println(err)
	}
	cur := store.Settings()
	gate := policy.NewGate(st, cur.GateConfig())

	// Each tick (every cur.PollInterval), the listeners new since the last
	// scan are judged and fed to the gate:
	var prev monitor.Snapshot
	tick := func(now time.Time, listeners []monitor.Listener) {
		if store.Check() { // one stat; true when another process changed the file
			cur = store.Settings()
			gate.Configure(cur.GateConfig())
			// ticker.Reset(cur.PollInterval); autostart.Sync(cur.StartAtLogin, exe)
		}
		cur := monitor.Snapshot{Listeners: listeners}
		var fresh []monitor.Listener
		for _, ev := range monitor.Diff(prev, cur) {
			if ev.Kind == monitor.Opened || ev.Kind == monitor.OwnerChanged {
				fresh = append(fresh, ev.Listener)
			}
		}
		prev = cur
		for _, n := range gate.ObserveNew(now, store.Policy().AssessAll(fresh)) {
			fmt.Println(n.Kind, notice.Of(n).Title) // notifier.Notify(n) in the app
		}
		if gate.Dirty() { // throttle in the app, and save on quit
			if err := settings.SaveState(store.Dir(), gate.State()); err != nil {
				fmt.Println(err)
			}
		}
	}

	sshd := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 22, Exposure: monitor.Network,
		Process: monitor.Process{PID: 1, Exe: "/usr/sbin/sshd", Name: "sshd"}}
	odd := monitor.Listener{Proto: monitor.TCP, Address: "0.0.0.0", Port: 2825, Exposure: monitor.Network,
		Process: monitor.Process{PID: 2, Exe: "/tmp/x", Name: "x"}}
	t0 := time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)
	tick(t0, []monitor.Listener{sshd})
	tick(t0.Add(time.Second), []monitor.Listener{sshd, odd})
	tick(t0.Add(2*time.Second), []monitor.Listener{sshd, odd})
	// Output:
	// baseline Portlight recorded 1 listening port of 1 program as the baseline
	// alert x is listening on unassigned port 2825/tcp
}
