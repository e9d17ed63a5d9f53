//go:build unix

package history

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/monitor"
)

// childEnv, when set, makes the test binary a child writer (see killChild)
// writing to the database it names.
const childEnv = "PORTLIGHT_HISTORY_TEST_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		if err := childWriter(path, os.Getenv(childEnv+"_ROUND")); err != nil {
			fmt.Fprintln(os.Stderr, "child writer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childWriter records batches forever, printing "committed N" after each
// flush: N sessions are committed. It runs until killed.
func childWriter(path, round string) error {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path, Logger: quiet})
	if err != nil {
		return err
	}
	r, err := StartRecorder(ctx, s, RecorderOptions{TouchEvery: 20 * time.Millisecond})
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	committed := 0
	for i := 0; ; i++ {
		var events []monitor.Event
		at := time.Now()
		for j := range 25 {
			n := i*25 + j
			l := listener(uint16(1+n%60000), fmt.Sprintf("/usr/bin/w%d", n%40), int32(n))
			l.Address = fmt.Sprintf("10.%s.%d.%d", round, n/60000%250, n%250)
			l.Cmdline = strings.Repeat("c", n%300)
			events = append(events, ev(monitor.Opened, at, l))
			if j%2 == 0 {
				events = append(events, ev(monitor.Closed, at.Add(time.Millisecond), l))
			}
		}
		r.Record(events)
		if err := r.Flush(ctx); err != nil {
			return err
		}
		if st := r.Stats(); st.LastErr != nil || st.Dropped != 0 {
			return fmt.Errorf("recorder: %+v", st)
		}
		committed += 25
		fmt.Fprintf(out, "committed %d\n", committed)
		out.Flush()
	}
}

// TestSIGKILLLosesNothingCommitted kills a writer mid-loop, three times on the
// same file, and checks after each that every session the child reported as
// committed is there and that the file passes integrity_check.
func TestSIGKILLLosesNothingCommitted(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	total := 0
	for round := 1; round <= 3; round++ {
		reported := killChild(t, path, round, time.Duration(150+100*round)*time.Millisecond)
		total += reported

		s, err := Open(context.Background(), Options{Path: path, Logger: quiet})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if s.Problem() != nil {
			t.Fatalf("round %d: database reported corrupt: %v", round, s.Problem())
		}
		if res, err := s.IntegrityCheck(context.Background()); err != nil || res != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, res, err)
		}
		inRound := count(t, s, "SELECT count(*) FROM sessions WHERE address LIKE ?", fmt.Sprintf("10.%d.%%", round))
		// The batch being written when the kill came may have committed
		// without being reported, never more than one batch.
		if inRound < reported || inRound > reported+25 {
			t.Fatalf("round %d: %d sessions stored, child reported %d committed", round, inRound, reported)
		}
		// A new recorder closes what the killed one left open.
		r, err := StartRecorder(context.Background(), s, RecorderOptions{})
		if err != nil {
			t.Fatalf("round %d: recorder after kill: %v", round, err)
		}
		if n := count(t, s, "SELECT count(*) FROM sessions WHERE closed_at IS NULL"); n != 0 {
			t.Errorf("round %d: %d sessions still open after restart", round, n)
		}
		r.Close()
		s.Close()
		t.Logf("round %d: killed after %d committed sessions, %d stored, integrity ok", round, reported, inRound)
	}
	if total < 3*25 {
		t.Errorf("children committed only %d sessions in total: the kill did not land in a write loop", total)
	}
}

// killChild runs the child writer, SIGKILLs it after it has committed for a
// while, and returns the last committed count it reported.
func killChild(t *testing.T, path string, round int, after time.Duration) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path, childEnv+"_ROUND="+strconv.Itoa(round))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan int)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "committed ")); err == nil {
				lines <- n
			}
		}
	}()
	last := 0
	// Wait for the first commit, then let it write for a while.
	select {
	case n, ok := <-lines:
		if !ok {
			cmd.Wait()
			t.Fatalf("child exited before committing: %s", stderr.String())
		}
		last = n
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child committed nothing in 20s")
	}
	deadline := time.After(after)
loop:
	for {
		select {
		case n, ok := <-lines:
			if !ok {
				break loop
			}
			last = n
		case <-deadline:
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			deadline = nil
		}
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v; stderr: %s", err, stderr.String())
	}
	return last
}
