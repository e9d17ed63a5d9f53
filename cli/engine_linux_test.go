package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"portlight/internal/testrig"
	"portlight/monitor"
)

// proxyRoleEnv makes the test binary, copied as docker-proxy, listen where
// docker-proxy's own flags say, as docker-proxy does.
const proxyRoleEnv = "PORTLIGHT_CLI_PROXY"

func init() {
	if os.Getenv(proxyRoleEnv) == "1" {
		os.Exit(runProxyRole())
	}
}

func runProxyRole() int {
	fs := flag.NewFlagSet("docker-proxy", flag.ContinueOnError)
	fs.String("proto", "tcp", "")
	hostIP := fs.String("host-ip", "0.0.0.0", "")
	hostPort := fs.Int("host-port", 0, "")
	fs.String("container-ip", "", "")
	fs.Int("container-port", 0, "")
	if fs.Parse(os.Args[1:]) != nil {
		return 2
	}
	l, err := net.Listen("tcp", net.JoinHostPort(*hostIP, strconv.Itoa(*hostPort)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the test ends
	return 0
}

// startDockerProxy runs the test binary named docker-proxy with
// docker-proxy's real flags; it listens on 127.0.0.1:hostPort.
func startDockerProxy(t *testing.T, hostPort uint16) *exec.Cmd {
	t.Helper()
	exe := testrig.CopySelf(t, t.TempDir(), "docker-proxy")
	cmd := exec.Command(exe, "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port", strconv.Itoa(int(hostPort)),
		"-container-ip", "172.17.0.2", "-container-port", "80")
	cmd.Env = append(os.Environ(), proxyRoleEnv+"=1")
	cmd.Stderr = os.Stderr
	testrig.DieWithParent(cmd)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("docker-proxy stand-in: %q", line)
	}
	return cmd
}

// runScanJSON runs `portlight scan --json` in a child process with env.
func runScanJSON(t *testing.T, cmd *exec.Cmd) (ScanOutput, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("scan --json: %v\n%s", err, errOut.String())
	}
	var doc ScanOutput
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("scan --json: %v\n%s", err, out.String())
	}
	return doc, errOut.String()
}

// `portlight scan --json` with DOCKER_HOST at a stand-in engine: the
// docker-proxy stand-in's listener names its container, and a port
// published with no host process is listed, exposed to the network and
// judged with the engine's words.
func TestScanPublishedJSON(t *testing.T) {
	proxyPort, natPort := testrig.FreeTCPPort(t), testrig.FreeTCPPort(t)
	sock := filepath.Join(t.TempDir(), "docker.sock")
	testrig.StartEngine(t, sock, []testrig.EngineContainer{
		{ID: "8dfafdbc3a40", Name: "web", Image: "nginx:1.25",
			Ports: []testrig.EnginePort{{IP: "127.0.0.1", PrivatePort: 80, PublicPort: proxyPort, Type: "tcp"}}},
		{ID: "9cd87474be90", Name: "db\x1b[31m", Image: "postgres:16",
			Ports: []testrig.EnginePort{{IP: "0.0.0.0", PrivatePort: 5432, PublicPort: natPort, Type: "tcp"}}},
	})
	proxy := startDockerProxy(t, proxyPort)
	self, _ := os.Executable()
	cmd := exec.Command(self, "scan", "--json")
	cmd.Env = append(os.Environ(), cliRoleEnv+"=run", "DOCKER_HOST=unix://"+sock, "XDG_RUNTIME_DIR="+t.TempDir())
	doc, _ := runScanJSON(t, cmd)
	if len(doc.Engines) != 1 || doc.Engines[0] != (monitor.EngineStatus{Name: "docker", Socket: sock, Reachable: true}) {
		t.Errorf("engines = %+v", doc.Engines)
	}
	var sawProxy, sawNAT bool
	for _, a := range doc.Listeners {
		switch {
		case a.Port == proxyPort && a.Proto == monitor.TCP:
			sawProxy = true
			if int(a.PID) != proxy.Process.Pid || a.Published == nil || a.Published.Container != "web" ||
				a.Published.Image != "nginx:1.25" || a.Published.NAT || a.ForwardedTo == nil {
				t.Errorf("docker-proxy's listener %+v published %+v", a.Listener, a.Published)
			}
		case a.Port == natPort && a.Proto == monitor.TCP:
			sawNAT = true
			p := a.Published
			if p == nil || !p.NAT || p.ContainerPort != 5432 || a.PID != 0 || a.Exposure != monitor.Network ||
				a.Address != "0.0.0.0" || a.Container == nil || a.Container.Image != "postgres:16" {
				t.Errorf("NAT-published port %+v published %+v", a.Listener, p)
			}
			r := strings.Join(a.Verdict.Reasons, "\n")
			if !strings.Contains(r, "published by docker for container db") || strings.Contains(r, "\x1b") {
				t.Errorf("verdict reasons of the NAT-published port: %q", a.Verdict.Reasons)
			}
		}
	}
	if !sawProxy || !sawNAT {
		t.Errorf("scan --json: docker-proxy's port %d seen %v, NAT port %d seen %v", proxyPort, sawProxy, natPort, sawNAT)
	}
}

// Run as nobody next to root's engine socket (mode 0600, as dockerd makes
// it for a machine without a docker group), `scan --json` says the engine
// is there but not reachable, and logs it once.
func TestScanEnginePermissionDenied(t *testing.T) {
	requireRoot(t)
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(dir), 0o755)
	sock := filepath.Join(dir, "docker.sock")
	e := testrig.StartEngine(t, sock, nil)
	if err := os.Chmod(sock, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, env := testrig.NobodyExe(t)
	cmd := testrig.AsNobody(exec.Command(exe, "scan", "--json"))
	cmd.Env = append(env, cliRoleEnv+"=run", "DOCKER_HOST=unix://"+sock)
	cmd.Dir = "/"
	doc, errOut := runScanJSON(t, cmd)
	want := monitor.EngineStatus{Name: "docker", Socket: sock, Reachable: false, Reason: "permission denied"}
	if len(doc.Engines) != 1 || doc.Engines[0] != want {
		t.Errorf("engines as nobody = %+v, want %+v", doc.Engines, want)
	}
	if n := strings.Count(errOut, "container engine API not reachable"); n != 1 || e.Queries() != 0 {
		t.Errorf("stderr says %d times that the engine is not reachable (want once), %d queries:\n%s", n, e.Queries(), errOut)
	}
}
