//go:build linux

package atomicfile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// Roles of the re-executed test binary.
const (
	// churnEnv: replace the named file without end, printing "ready" after
	// the first write, until killed.
	churnEnv = "ATOMICFILE_TEST_CHURN"
	// writeEnv: replace the named file once and print the outcome.
	writeEnv = "ATOMICFILE_TEST_WRITE"
)

// churnSize is the size of each version the churning child writes: big
// enough that a kill lands inside a write.
const churnSize = 1 << 20

func TestMain(m *testing.M) {
	if path := os.Getenv(churnEnv); path != "" {
		for i := 0; ; i++ {
			if err := Write(path, version(i, churnSize), 0o600); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			if i == 0 {
				fmt.Println("ready")
			}
		}
	}
	if path := os.Getenv(writeEnv); path != "" {
		fmt.Println("outcome:", Write(path, []byte("new"), 0o600))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// version is the i-th content: size copies of one letter.
func version(i, size int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, size) }

// whole reports whether b is one complete version of the given size.
func whole(b []byte, size int) bool {
	return len(b) == size && bytes.Count(b, b[:1]) == size
}

// A process killed in the middle of replacing a file leaves a whole
// version of it: the old one or the new one.
func TestKilledWriterLeavesAWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	for round := range 8 {
		cmd := testrig.DieWithParent(exec.Command(os.Args[0], "-test.run=^$"))
		cmd.Env = append(os.Environ(), churnEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %q, %v", line, err)
		}
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !whole(got, churnSize) {
			t.Fatalf("round %d: after a kill the file holds %d bytes, not one whole version", round, len(got))
		}
	}
}

// Readers running beside several writers only ever read whole versions.
func TestConcurrentWritersNeverShowAPart(t *testing.T) {
	const size, writers, writes = 256 << 10, 4, 40
	path := filepath.Join(t.TempDir(), "f")
	if err := Write(path, version(0, size), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range writes {
				if err := Write(path, version(w*writes+i, size), 0o600); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	reads, bad := 0, 0
	for {
		select {
		case <-done:
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			reads++
			if !whole(b, size) {
				bad++
			}
			continue
		}
		break
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if bad > 0 {
		t.Errorf("%d of %d reads saw a partial file", bad, reads)
	}
	if l := leftovers(t, filepath.Dir(path), "f"); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
	t.Logf("%d reads during %d writes", reads, writers*writes)
}

// A write into a folder the writer may not change fails and leaves the old
// file. Root may change any folder, so as root the write is made by a child
// running as nobody.
func TestWriteIntoAReadOnlyFolderKeepsTheOldFile(t *testing.T) {
	var dir string
	write := func(path string) string { return fmt.Sprint(Write(path, []byte("new"), 0o600)) }
	if os.Geteuid() == 0 {
		exe, env := testrig.NobodyExe(t)
		dir = filepath.Join(filepath.Dir(exe), "ro")
		write = func(path string) string {
			cmd := testrig.AsNobody(exec.Command(exe, "-test.run=^$"))
			cmd.Env = append(env, writeEnv+"="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			return string(out)
		}
	} else {
		dir = filepath.Join(t.TempDir(), "ro")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	out := write(path)
	if !strings.Contains(out, "permission denied") {
		t.Errorf("Write into a read-only folder: %q, want permission denied", out)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file now holds %q, want old", got)
	}
	if l := leftovers(t, dir, "f"); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
}
