package policy

import (
	"encoding/json"
	"testing"
	"time"

	"portlight/monitor"
)

// A program that binds a new random port on every start (Spotify, VS Code)
// is news once; again only when its file changes, or when it binds a port
// that is not a random one.
func TestGateRandomPortProgramIsToldOnce(t *testing.T) {
	sums := map[string]string{"/opt/spotify/spotify": goodSum}
	w := newWorld(t)
	w.p.Hash = func(p string) (string, error) { return sums[p], nil }
	start := func(pid int32, port uint16) []Notice {
		w.ls = []monitor.Listener{proc("/opt/spotify/spotify", pid, port)}
		ns := w.tick(time.Second)
		w.idle(10 * time.Second)
		return ns
	}
	if ns := start(10, 50123); len(ns) != 1 || ns[0].Kind != NoticeAlert {
		t.Fatalf("first start: %v", kinds(ns))
	}
	// Restarted on another random port: known program, not news.
	if ns := start(11, 51234); len(ns) != 0 {
		t.Fatalf("restart on a new random port: %v", kinds(ns))
	}
	// Portlight restarts too: the memory is in the saved state.
	b, err := json.Marshal(w.g.State())
	if err != nil {
		t.Fatal(err)
	}
	var st GateState
	if err := json.Unmarshal(b, &st); err != nil || len(st.Programs) != 1 {
		t.Fatalf("saved programs %+v, %v", st.Programs, err)
	}
	w.g = NewGate(st, GateConfig{})
	w.ls = nil
	w.scan()
	if ns := start(12, 55000); len(ns) != 0 {
		t.Fatalf("after Portlight restarted: %v", kinds(ns))
	}
	// A port below the random range is news even for a known program.
	if ns := start(13, 2476); len(ns) != 1 {
		t.Fatalf("fixed unassigned port: %v", kinds(ns))
	}
	// The file changed (an update, or a swap): news again, then known again.
	sums["/opt/spotify/spotify"] = badSum
	if ns := start(14, 52000); len(ns) != 1 {
		t.Fatalf("changed file on a random port: %v", kinds(ns))
	}
	if ns := start(15, 53000); len(ns) != 0 {
		t.Fatalf("the changed file, restarted: %v", kinds(ns))
	}
}

// Without a fingerprint (the file cannot be identified) every new port is
// news, as before.
func TestGateRandomPortWithoutFingerprintIsNews(t *testing.T) {
	w := newWorld(t)
	w.p.Hash = nil
	for i, port := range []uint16{50123, 51234} {
		w.ls = []monitor.Listener{proc("/opt/code/code", int32(20+i), port)}
		if ns := w.tick(time.Second); len(ns) != 1 {
			t.Fatalf("start %d: %v", i, kinds(ns))
		}
		w.idle(10 * time.Second)
	}
}

// A program from the baseline was told about: its later random ports are
// not news.
func TestGateBaselineProgramIsKnown(t *testing.T) {
	w := newWorld(t, proc("/opt/spotify/spotify", 10, 50123))
	w.ls = []monitor.Listener{proc("/opt/spotify/spotify", 11, 51234)}
	if ns := w.tick(time.Second); len(ns) != 0 {
		t.Fatalf("baseline program on a new random port: %v", kinds(ns))
	}
}
