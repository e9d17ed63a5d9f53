package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
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
// system) of 10 runs of each headless command of the built binary, start-up
// included: loading the binary, package initialisation, the command's work.
//
//	go test -run '^$' -bench CommandStartup -benchtime 1x .
func BenchmarkCommandStartup(b *testing.B) {
	bin := binary(b)
	commands := [][]string{{"--help"}, {"explain", "22", "--json"}, {"scan", "--json"}}
	env := commandEnv(b, "LANG=C.UTF-8")
	for b.Loop() {
		for _, args := range commands {
			var walls, cpus []time.Duration
			for range 10 {
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
			b.Logf("portlight %v: median of 10: wall %.1f ms (min %.1f, max %.1f), CPU %.1f ms", args,
				ms(median(walls)), ms(walls[0]), ms(walls[9]), ms(median(cpus)))
		}
	}
}

// median is the median of ten sorted durations.
func median(d []time.Duration) time.Duration { return (d[4] + d[5]) / 2 }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
