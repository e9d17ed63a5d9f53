package main

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// binary is the portlight command, built once per test run; TestMain
// removes it.
func binary(t testing.TB) string { return testrig.Portlight(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	testrig.RemoveBuilt()
	os.Exit(code)
}

// commandEnv is the environment of a headless command run by these tests:
// this one without locale variables, with a private PORTLIGHT_HOME, plus
// extra.
func commandEnv(t testing.TB, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := bytes.Cut([]byte(kv), []byte("="))
		switch string(name) {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "PORTLIGHT_HOME":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PORTLIGHT_HOME="+t.TempDir())
	return append(env, extra...)
}

// TestCLIStderrUnderCLocales runs the built binary's headless commands
// under the C locales a server, a container or `make test` uses: each must
// print its output and nothing on stderr (a library that logs at init, as
// Fyne does under C.UTF-8, would show here; portlight-ui's own check is in
// TestWindowProgramChecksArguments).
func TestCLIStderrUnderCLocales(t *testing.T) {
	bin := binary(t)
	commands := [][]string{{"--help"}, {"scan"}, {"scan", "--json"}, {"explain", "22", "--json"}}
	locales := []string{"LANG=C", "LANG=C.UTF-8", "LC_ALL=C", "LC_ALL=C.UTF-8", "LANG=POSIX"}
	for _, loc := range locales {
		for _, args := range commands {
			t.Run(fmt.Sprintf("%s %v", loc, args), func(t *testing.T) {
				cmd := exec.Command(bin, args...)
				cmd.Env = commandEnv(t, loc)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("%v: %v\nstderr: %s", args, err, stderr.Bytes())
				}
				if stderr.Len() != 0 {
					t.Errorf("stderr not empty:\n%s", stderr.Bytes())
				}
				if stdout.Len() == 0 {
					t.Error("no output")
				}
			})
		}
	}
}

// BenchmarkCommandStartup prints the median wall time, CPU time (user +
// system) and minor page faults of 20 runs of each headless command of the
// built binary (built as the Makefile builds it: without cgo), start-up
// included: loading the binary, package initialisation, the command's work.
// Each run alternates with one of a Go hello-world built the same way, the
// floor of any Go program on the machine at that moment: on a shared
// machine the load moves both alike, and the page faults (the bulk of
// start-up on a virtual machine) hardly move with it. It also prints the
// binary's size, the load average around the runs, and what package
// initialisation costs before main (GODEBUG=inittrace=1, median of the
// runs' sums, and the packages that cost most).
//
//	go test -run '^$' -bench CommandStartup -benchtime 1x .
func BenchmarkCommandStartup(b *testing.B) {
	bin := binary(b)
	hello := helloWorld(b)
	commands := [][]string{{"--help"}, {"explain", "22", "--json"}, {"scan", "--json"}}
	env := commandEnv(b, "LANG=C.UTF-8")
	const runs = 20
	for b.Loop() {
		if st, err := os.Stat(bin); err == nil {
			b.Logf("portlight: %.1f MB (unstripped); load average %s", float64(st.Size())/1e6, loadAverage())
		}
		for _, args := range commands {
			var pl, hw runStats
			for range runs {
				pl.run(b, env, bin, args...)
				hw.run(b, env, hello)
			}
			b.Logf("portlight %v: median of %d: %s; hello-world beside it: %s", args, runs, pl, hw)
		}
		total, top := initCost(b, bin, env, runs)
		b.Logf("package initialisation (GODEBUG=inittrace=1, median of %d runs of --help): %.1f ms; most: %s", runs, total, top)
		b.Logf("load average after: %s", loadAverage())
	}
}

// runStats gathers the runs of one command.
type runStats struct {
	walls, cpus []time.Duration
	faults      []float64
}

// run runs bin with args once and records it.
func (r *runStats) run(b *testing.B, env []string, bin string, args ...string) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", bin, args, err, out)
	}
	r.walls = append(r.walls, time.Since(start))
	r.cpus = append(r.cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	r.faults = append(r.faults, float64(minorFaults(cmd.ProcessState)))
}

// String is the medians, with the wall time's range.
func (r runStats) String() string {
	slices.Sort(r.walls)
	slices.Sort(r.cpus)
	return fmt.Sprintf("wall %.1f ms (min %.1f, max %.1f), CPU %.1f ms, %.0f minor faults",
		ms(median(r.walls)), ms(r.walls[0]), ms(r.walls[len(r.walls)-1]), ms(median(r.cpus)), medianOf(r.faults))
}

// helloWorld builds a Go program that prints one line, as portlight is
// built (without cgo), and returns its path.
func helloWorld(b *testing.B) string {
	dir := b.TempDir()
	src := "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testrig.CoreBuildEnv...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build hello-world: %v\n%s", err, msg)
	}
	return out
}

// initCost runs `bin --help` n times under GODEBUG=inittrace=1 and returns
// the median of the runs' summed initialisation clock times, in ms, and the
// five packages with the highest median.
func initCost(b *testing.B, bin string, env []string, n int) (float64, string) {
	var totals []float64
	per := map[string][]float64{}
	for range n {
		cmd := exec.Command(bin, "--help")
		cmd.Env = append(slices.Clone(env), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("--help: %v\n%s", err, stderr.Bytes())
		}
		sum := 0.0
		for line := range strings.Lines(stderr.String()) {
			// init PKG @T ms, C ms clock, B bytes, A allocs
			f := strings.Fields(line)
			if len(f) < 5 || f[0] != "init" {
				continue
			}
			c, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				continue
			}
			sum += c
			per[f[1]] = append(per[f[1]], c)
		}
		totals = append(totals, sum)
	}
	type cost struct {
		pkg string
		ms  float64
	}
	var costs []cost
	for pkg, c := range per {
		costs = append(costs, cost{pkg, medianOf(c)})
	}
	slices.SortFunc(costs, func(a, b cost) int { return cmp.Compare(b.ms, a.ms) })
	var top []string
	for _, c := range costs[:min(5, len(costs))] {
		top = append(top, fmt.Sprintf("%s %.2f", c.pkg, c.ms))
	}
	return medianOf(totals), strings.Join(top, ", ")
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// median is the median of sorted durations.
func median(d []time.Duration) time.Duration { return (d[(len(d)-1)/2] + d[len(d)/2]) / 2 }

// medianOf is the median of x, which it sorts.
func medianOf(x []float64) float64 {
	slices.Sort(x)
	return (x[(len(x)-1)/2] + x[len(x)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
