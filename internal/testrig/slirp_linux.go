package testrig

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Slirp4netnsForward starts a real slirp4netns for pid's network namespace,
// as rootless podman runs it, and has it forward hostAddr:port on the host
// to the same port inside (slirp4netns's command line does not say the
// ports). The process dies with the test; it is returned for its pid.
func Slirp4netnsForward(t testing.TB, pid int32, hostAddr string, port uint16) *exec.Cmd {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	cmd := DieWithParent(exec.Command("slirp4netns", "--configure", "--api-socket", sock, fmt.Sprint(pid), "tap0"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var conn net.Conn
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("slirp4netns API: %v", err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, `{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":%q,"host_port":%d,"guest_port":%d}}`, hostAddr, port, port)
	conn.(*net.UnixConn).CloseWrite()
	reply, _ := io.ReadAll(conn)
	if !strings.Contains(string(reply), `"return"`) {
		t.Fatalf("add_hostfwd: %s", reply)
	}
	return cmd
}
