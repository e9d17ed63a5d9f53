package main

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"os/exec"
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

// BenchmarkCommandStartup prints the median wall time and CPU time (user +
// system) of 20 runs of each headless command of the built binary (built as
// the Makefile builds it: without cgo), start-up included: loading the
// binary, package initialisation, the command's work. It also prints the
// binary's size, the load average around the runs, and what package
// initialisation costs before main (GODEBUG=inittrace=1, median of the runs'
// sums, and the packages that cost most).
//
//	go test -run '^$' -bench CommandStartup -benchtime 1x .
func BenchmarkCommandStartup(b *testing.B) {
	bin := binary(b)
	commands := [][]string{{"--help"}, {"explain", "22", "--json"}, {"scan", "--json"}}
	env := commandEnv(b, "LANG=C.UTF-8")
	const runs = 20
	for b.Loop() {
		if st, err := os.Stat(bin); err == nil {
			b.Logf("portlight: %.1f MB (unstripped); load average %s", float64(st.Size())/1e6, loadAverage())
		}
		for _, args := range commands {
			var walls, cpus []time.Duration
			for range runs {
				cmd := exec.Command(bin, args...)
				cmd.Env = env
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", args, err, out)
				}
				walls = append(walls, time.Since(start))
				cpus = append(cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			}
			slices.Sort(walls)
			slices.Sort(cpus)
			b.Logf("portlight %v: median of %d: wall %.1f ms (min %.1f, max %.1f), CPU %.1f ms", args, runs,
				ms(median(walls)), ms(walls[0]), ms(walls[len(walls)-1]), ms(median(cpus)))
		}
		total, top := initCost(b, bin, env, runs)
		b.Logf("package initialisation (GODEBUG=inittrace=1, median of %d runs of --help): %.1f ms; most: %s", runs, total, top)
		b.Logf("load average after: %s", loadAverage())
	}
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
