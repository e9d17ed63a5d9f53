//go:build !unix

package handoff

import "os"

// impostor has no role to play where the hand-over's peer checks are not
// tested (they need SO_PEERCRED and /proc): the child exits at once.
func impostor(bool) { os.Exit(0) }
