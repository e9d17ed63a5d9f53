package handoff

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as a serving window process in a child.
func TestMain(m *testing.M) {
	if os.Getenv("HANDOFF_TEST_CHILD") == "serve" {
		s, err := Listen()
		if err != nil {
			fmt.Println("listen:", err)
			os.Exit(2)
		}
		fmt.Println("serving")
		_ = s.Serve(context.Background(), func(r Request) error { fmt.Println("got", r.Kind, r.Port); return nil })
		os.Exit(0)
	}
	if role := os.Getenv("HANDOFF_TEST_CHILD"); role == "impostor" || role == "impostor-lock" {
		impostor(role == "impostor")
	}
	os.Exit(m.Run())
}

func home(t *testing.T) string {
	t.Helper()
	// t.TempDir paths can exceed the 108-byte sun_path limit; keep it short.
	d, err := os.MkdirTemp("", "ho")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	t.Setenv("PORTLIGHT_HOME", d)
	return d
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestDirChoice(t *testing.T) {
	t.Setenv("PORTLIGHT_HOME", "")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1234")
	if got, want := SocketPath(), "/run/user/1234/portlight/ui.sock"; got != want {
		t.Errorf("SocketPath with XDG_RUNTIME_DIR = %q, want %q", got, want)
	}
	t.Setenv("PORTLIGHT_HOME", "/srv/pl")
	if got, want := SocketPath(), "/srv/pl/run/ui.sock"; got != want {
		t.Errorf("SocketPath with PORTLIGHT_HOME = %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		r  Request
		ok bool
	}{
		{Request{Kind: Listeners}, true},
		{Request{Kind: Settings}, true},
		{Request{Kind: Explain, Port: 22, Proto: "tcp"}, true},
		{Request{Kind: Explain, Port: 53, Proto: "udp", PID: 7}, true},
		{Request{Kind: Explain, Port: 2905, Proto: "sctp"}, true},
		{Request{Kind: Explain, Port: 22, Proto: "TCP"}, false},
		{Request{Kind: Explain, Port: 22, Proto: "dccp"}, false},
		{Request{Kind: History, Proto: "sctp"}, true},
		{Request{Kind: History, Proto: "icmp"}, false},
		{Request{Kind: Explain, Proto: "tcp"}, false},
		{Request{Kind: Explain, Port: 22, Proto: "tcp", PID: -1}, false},
		{Request{Kind: "rm -rf"}, false},
	}
	for _, tt := range tests {
		if err := tt.r.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tt.r, err, tt.ok)
		}
	}
}

func TestSendWithoutServer(t *testing.T) {
	home(t)
	handled, err := Send(ctx(t), Request{Kind: Listeners})
	if handled || err != nil {
		t.Fatalf("Send with no server = %v, %v; want false, nil", handled, err)
	}
}

func TestHandOverAndPermissions(t *testing.T) {
	h := home(t)
	// A pre-existing, too-open directory is tightened.
	if err := os.MkdirAll(filepath.Join(h, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	if s.ln.Addr().Network() != "unix" {
		t.Fatalf("listener network %q, want unix", s.ln.Addr().Network())
	}
	got := make(chan Request, 4)
	done := make(chan error, 1)
	c, cancel := context.WithCancel(context.Background())
	go func() { done <- s.Serve(c, func(r Request) error { got <- r; return nil }) }()

	want := Request{Kind: Explain, Port: 2476, Proto: "tcp", PID: 42}
	handled, err := Send(ctx(t), want)
	if !handled || err != nil {
		t.Fatalf("Send = %v, %v; want true, nil", handled, err)
	}
	if r := <-got; r != want {
		t.Errorf("server got %+v, want %+v", r, want)
	}
	for path, mode := range map[string]os.FileMode{filepath.Join(h, "run"): 0o700, s.Path(): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %o, want %o", path, fi.Mode().Perm(), mode)
		}
	}
	if _, err := Listen(); !errors.Is(err, ErrBusy) {
		t.Errorf("second Listen err = %v, want ErrBusy", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v", err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket still there after Serve ended: %v", err)
	}
	if handled, err := Send(ctx(t), want); handled || err != nil {
		t.Errorf("Send after server ended = %v, %v; want false, nil", handled, err)
	}
}

func TestRequestsWaitForStartingServer(t *testing.T) {
	home(t)
	s, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		handled bool
		err     error
	}
	res := make(chan result, 1)
	go func() {
		h, err := Send(ctx(t), Request{Kind: Settings})
		res <- result{h, err}
	}()
	time.Sleep(200 * time.Millisecond) // the window process is still starting
	got := make(chan Request, 1)
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(c, func(r Request) error { got <- r; return nil })
	r := <-res
	if !r.handled || r.err != nil {
		t.Fatalf("Send to a starting server = %v, %v", r.handled, r.err)
	}
	if (<-got).Kind != Settings {
		t.Error("server did not get the settings request")
	}
}

func TestMalformedRequestRefused(t *testing.T) {
	home(t)
	var calls atomic.Int32
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(c, func(Request) error { calls.Add(1); return nil })
	for _, raw := range []string{"not json\n", `{"kind":"explain","port":22,"proto":"icmp"}` + "\n"} {
		conn, err := net.Dial("unix", SocketPath())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(conn, raw)
		reply, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if reply == ack {
			t.Errorf("request %q acknowledged", raw)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("handler called %d times for bad requests", n)
	}
}

// TestStaleSocketFromKilledProcess kills a real serving process with SIGKILL:
// its socket file stays behind, and the next process must take over.
func TestStaleSocketFromKilledProcess(t *testing.T) {
	home(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "HANDOFF_TEST_CHILD=serve")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(out)
	if line, _ := rd.ReadString('\n'); line != "serving\n" {
		t.Fatalf("child said %q", line)
	}
	handled, err := Send(ctx(t), Request{Kind: Explain, Port: 22, Proto: "tcp"})
	if !handled || err != nil {
		t.Fatalf("Send to child = %v, %v", handled, err)
	}
	if line, _ := rd.ReadString('\n'); line != "got explain 22\n" {
		t.Errorf("child handled %q", line)
	}
	if _, err := Listen(); !errors.Is(err, ErrBusy) {
		t.Fatalf("Listen while child serves: %v, want ErrBusy", err)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if _, err := os.Stat(SocketPath()); err != nil {
		t.Fatalf("expected the killed child's socket file to remain: %v", err)
	}
	handled, err = Send(ctx(t), Request{Kind: Listeners})
	if handled || err != nil {
		t.Fatalf("Send to stale socket = %v, %v; want false, nil", handled, err)
	}
	s, err := Listen()
	if err != nil {
		t.Fatalf("Listen over stale socket: %v", err)
	}
	s.Close()
}

// TestOneServerUnderRace starts many would-be window processes at once; each
// follows the window process's protocol, and exactly one must end up serving.
func TestOneServerUnderRace(t *testing.T) {
	home(t)
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	var servers, handed atomic.Int32
	var received atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				h, err := Send(ctx(t), Request{Kind: Listeners})
				if err != nil {
					t.Error(err)
					return
				}
				if h {
					handed.Add(1)
					return
				}
				s, err := Listen()
				if errors.Is(err, ErrBusy) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				servers.Add(1)
				go s.Serve(c, func(Request) error { received.Add(1); return nil })
				return
			}
		}()
	}
	wg.Wait()
	if servers.Load() != 1 || handed.Load() != 7 {
		t.Fatalf("servers=%d handed=%d, want 1 and 7", servers.Load(), handed.Load())
	}
	if received.Load() != 7 {
		t.Errorf("server received %d requests, want 7", received.Load())
	}
}

func TestRefusedRequestIsAnError(t *testing.T) {
	home(t)
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(c, func(Request) error { return errors.New("quitting") })
	handled, err := Send(ctx(t), Request{Kind: Listeners})
	if handled || err == nil {
		t.Fatalf("Send to a refusing server = %v, %v; want false and an error", handled, err)
	}
}
