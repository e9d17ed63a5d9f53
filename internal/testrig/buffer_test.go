package testrig

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestSyncBufferTakesConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := len(b.String()); n != 800 {
		t.Fatalf("%d bytes, want 800", n)
	}
}

func TestCaptureLogRestoresTheLogger(t *testing.T) {
	before := slog.Default()
	t.Run("capture", func(t *testing.T) {
		buf := CaptureLog(t)
		slog.Info("registry installed", "date", "2026-01-01")
		if got := buf.String(); !strings.Contains(got, "registry installed") || !strings.Contains(got, "date=2026-01-01") {
			t.Fatalf("captured %q", got)
		}
	})
	if slog.Default() != before {
		t.Fatal("the default logger was not restored")
	}
}
