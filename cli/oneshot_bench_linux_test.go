package cli

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// oneShotRuns is how many times each command runs, in rounds; the median
// is printed.
const oneShotRuns = 7

// runOnce runs cmd and returns its CPU time (user + system of the child,
// all its threads) and wall time.
func runOnce(b *testing.B, cmd *exec.Cmd) (cpu, wall time.Duration) {
	b.Helper()
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), time.Since(start)
}

func medianOf(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkOneShot builds the busy desktop's world (testrig.FullWorld: 500
// processes, 200 listeners, 20,000 established loopback connections;
// PORTLIGHT_BENCH_SMALL=1 for a small one) and prints, in the same run, the
// median CPU and wall time of the one-shot commands beside `ss` and
// gopsutil, with their ratios. The commands run in a re-executed test binary
// (cli.Run without the GUI the portlight binary links), each a fresh process
// with start-up included; gopsutil's net.Connections("inet") runs the same
// way.
//
//	go test ./cli -run '^$' -bench OneShot -benchtime 1x
func BenchmarkOneShot(b *testing.B) {
	testrig.RequireTool(b, "ss")
	size := testrig.BenchWorldSize()
	w := testrig.BuildWorld(b, size)
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	role := func(name string, args ...string) func() *exec.Cmd {
		return func() *exec.Cmd {
			cmd := exec.Command(exe, args...)
			cmd.Env = append(os.Environ(), benchRoleEnv+"="+name)
			return cmd
		}
	}
	tool := func(name string, args ...string) func() *exec.Cmd {
		return func() *exec.Cmd { return exec.Command(name, args...) }
	}
	port := strconv.Itoa(int(w.Ports[0]))
	for b.Loop() {
		fmt.Printf("\nworld: %d processes, %d listeners, %d established loopback connections; built in %.1f s\n",
			size.Procs, size.Listeners, size.Conns, w.Built.Seconds())
		fmt.Printf("median of %d runs, CPU (user+system) / wall:\n", oneShotRuns)
		type row struct {
			name string
			mk   func() *exec.Cmd
		}
		rows := []row{
			{"ss -tlnup", tool("ss", "-tlnup")},
			{"ss -tlnp sport = :" + port, tool("ss", "-tlnp", "sport = :"+port)},
			{"ss -tlnp sport = :22", tool("ss", "-tlnp", "sport = :22")},
			{"gopsutil net.Connections(inet)", role("gopsutil")},
			{"portlight scan --json", role("cli", "scan", "--json")},
			{"portlight explain " + port + " --json", role("cli", "explain", port, "--json")},
			{"portlight explain 22 --json", role("cli", "explain", "22", "--json")},
		}
		// Round robin: each command runs once per round, so that the shared
		// machine's changing load falls on all of them alike.
		cpus := make([][]time.Duration, len(rows))
		walls := make([][]time.Duration, len(rows))
		for range oneShotRuns {
			for i, r := range rows {
				c, wl := runOnce(b, r.mk())
				cpus[i], walls[i] = append(cpus[i], c), append(walls[i], wl)
			}
		}
		cpu := map[string]time.Duration{}
		for i, r := range rows {
			cpu[r.name] = medianOf(cpus[i])
			fmt.Printf("  %-36s %8.1f ms / %8.1f ms\n", r.name, ms(cpu[r.name]), ms(medianOf(walls[i])))
		}
		if la, err := os.ReadFile("/proc/loadavg"); err == nil {
			fmt.Printf("load average %s", la)
		}
		ratio := func(a, b string) {
			fmt.Printf("  %-36s %6.2f × %s\n", a, float64(cpu[a])/float64(cpu[b]), b)
		}
		fmt.Println("CPU ratios:")
		ratio("portlight scan --json", "ss -tlnup")
		ratio("portlight scan --json", "gopsutil net.Connections(inet)")
		ratio("portlight explain "+port+" --json", "ss -tlnp sport = :"+port)
		ratio("portlight explain 22 --json", "ss -tlnp sport = :22")
		fmt.Println()
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
