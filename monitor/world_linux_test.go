package monitor

import (
	"testing"

	"golang.org/x/sys/unix"

	"portlight/internal/testrig"
)

// The benchmark world is testrig's (shared with the one-shot command
// benchmarks of cli); these names keep this package's tests short.
type worldSize = testrig.WorldSize

var (
	fullWorld  = testrig.FullWorld
	smallWorld = testrig.SmallWorld
)

func buildWorld(tb testing.TB, size worldSize) *testrig.World { return testrig.BuildWorld(tb, size) }

func ephemeralLow() (int, error) { return testrig.EphemeralLow() }

func bindRaw(fam int, proto Proto, sa unix.Sockaddr) (int, error) {
	return testrig.BindRaw(fam, proto == UDP, sa)
}
