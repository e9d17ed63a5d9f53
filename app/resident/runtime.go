package resident

import (
	"os"
	"runtime"
)

// oneProcessor runs the resident's goroutines on one processor (P) unless
// GOMAXPROCS is set: its work is one loop and a writer, none of it in
// parallel, and with a P per core the idle runtime woke threads to hand
// work between them (on two cores, fewer wake-ups a second on one P in
// each pair measured; docs/binaries.md). Setting it also stops
// the runtime's periodic re-reading of the cgroup's CPU limit.
func oneProcessor() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
