package testrig

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// busConfig is a session bus with no service directories: no service
// (a notification daemon, NetworkManager) can be activated behind the
// test's back.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Bus starts a dbus-daemon of the test's own and returns its address; it
// stops when the test ends. Without dbus-daemon the test is skipped under
// -short and fails when PORTLIGHT_REQUIRE_DESKTOP=1 or without -short.
func Bus(t testing.TB) string {
	t.Helper()
	addr, _ := BusAt(t, "unix:tmpdir=/tmp")
	return addr
}

// BusAt is Bus listening at listen (a D-Bus server address such as
// "unix:path=DIR/bus"), with a function that kills it before the test
// ends: another BusAt at the same listen then stands for the bus coming
// back.
func BusAt(t testing.TB, listen string) (addr string, kill func()) {
	t.Helper()
	path, err := exec.LookPath("dbus-daemon")
	NeedUnlessShort(t, err == nil, "dbus-daemon (apt-get install dbus)")
	cfg := filepath.Join(t.TempDir(), "bus.conf")
	if err := os.WriteFile(cfg, []byte(strings.Replace(busConfig, "unix:tmpdir=/tmp", listen, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--config-file="+cfg, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	var once sync.Once
	kill = func() { once.Do(func() { cmd.Process.Kill(); cmd.Wait() }) }
	t.Cleanup(kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read bus address: %v", err)
	}
	return strings.TrimSpace(line), kill
}
