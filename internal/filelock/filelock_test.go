package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestTryLockRefusesASecondHolderUntilReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v, %v (want mode 0600)", fi, err)
	}
	// A second open file is a second holder, even in this process.
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock: %v, want ErrLocked", err)
	}
	if held, err := Held(path); err != nil || !held {
		t.Fatalf("Held while locked = %v, %v", held, err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if held, err := Held(path); err != nil || held {
		t.Fatalf("Held after release = %v, %v", held, err)
	}
	l2, err := TryLock(path)
	if err != nil {
		t.Fatalf("TryLock after release: %v", err)
	}
	l2.Release()
}

func TestAcquireWaitsForTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l2, err := Acquire(path)
		if err == nil {
			l2.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Acquire returned (%v) while the lock was held", err)
	case <-time.After(100 * time.Millisecond):
	}
	l.Release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Acquire still waits after the release")
	}
}

func TestHeldDoesNotCreateTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.lock")
	if held, err := Held(path); err != nil || held {
		t.Fatalf("Held(missing) = %v, %v", held, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Held created the file: %v", err)
	}
}
