package testrig

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// SyncBuffer is a bytes.Buffer that a goroutine under test writes while the
// test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// CaptureLog sends the default slog logger's output to a buffer for the
// test's life and returns the buffer; the old logger comes back at cleanup.
// Tests that use it must not run in parallel with others that log.
func CaptureLog(t testing.TB) *SyncBuffer {
	t.Helper()
	buf := &SyncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return buf
}
