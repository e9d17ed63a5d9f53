package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"portlight/internal/testrig"
)

// The test binary doubles as the processes the tests observe: with
// PORTLIGHT_TEST_ROLE set, TestMain runs that role instead of the tests.
const roleEnv = "PORTLIGHT_TEST_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "child":
		runChild()
	case "scan":
		runScanAs()
	case "memfd":
		runFromMemfd()
	case "":
		os.Exit(m.Run())
	default:
		fmt.Fprintln(os.Stderr, "unknown role", os.Getenv(roleEnv))
		os.Exit(2)
	}
}

// runChild binds the sockets named on stdin ("bind NET ADDR"), answering
// each with "bound NET ADDR:PORT", closes them all on "close" ("closed"),
// and exits on EOF or "exit".
func runChild() {
	var closers []io.Closer
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch {
		case len(f) == 3 && f[0] == "bind":
			c, addr, err := bindSpec(f[1], f[2])
			if err != nil {
				fmt.Printf("error %v\n", err)
				continue
			}
			closers = append(closers, c)
			fmt.Printf("bound %s %s\n", f[1], addr)
		case len(f) == 1 && f[0] == "close":
			for _, c := range closers {
				c.Close()
			}
			closers = nil
			fmt.Println("closed")
		case len(f) == 1 && f[0] == "exit":
			os.Exit(0)
		case len(f) == 2 && f[0] == "spawn":
			// A child that execs another program, inheriting the sockets:
			// one more holder of each.
			cmd := exec.Command(f[1], "30")
			for _, c := range closers {
				if fl, ok := c.(interface{ File() (*os.File, error) }); ok {
					if fh, err := fl.File(); err == nil {
						cmd.ExtraFiles = append(cmd.ExtraFiles, fh)
					}
				}
			}
			if err := cmd.Start(); err != nil {
				fmt.Printf("error %v\n", err)
				continue
			}
			for _, fh := range cmd.ExtraFiles {
				fh.Close()
			}
			fmt.Printf("spawned %d\n", cmd.Process.Pid)
		case len(f) == 1 && f[0] == "nodump":
			// What a program hiding from its own user does.
			if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
				fmt.Printf("error %v\n", err)
				continue
			}
			fmt.Println("nodump")
		case len(f) == 3 && f[0] == "bindmount":
			// In a mount namespace of its own: put another file over a path.
			if err := unix.Mount(f[1], f[2], "", unix.MS_BIND, ""); err != nil {
				fmt.Printf("error %v\n", err)
				continue
			}
			fmt.Println("mounted")
		case len(f) == 2 && f[0] == "exec":
			// Become another program, keeping the sockets: same pid, same
			// start time.
			for _, c := range closers {
				if fl, ok := c.(interface{ File() (*os.File, error) }); ok {
					if fh, err := fl.File(); err == nil {
						syscall.Syscall(syscall.SYS_FCNTL, fh.Fd(), syscall.F_SETFD, 0)
					}
				}
			}
			fmt.Println("exec")
			err := syscall.Exec(f[1], []string{f[1], "30"}, os.Environ())
			fmt.Printf("error %v\n", err)
		}
	}
	os.Exit(0)
}

func bindSpec(network, addr string) (io.Closer, string, error) {
	if strings.HasPrefix(network, "tcp") {
		l, err := net.Listen(network, addr)
		if err != nil {
			return nil, "", err
		}
		return l, l.Addr().String(), nil
	}
	c, err := net.ListenPacket(network, addr)
	if err != nil {
		return nil, "", err
	}
	return c, c.LocalAddr().String(), nil
}

// scanAsReport is what the "scan" role prints: a snapshot taken by a scanner
// running with this process's credentials, next to a socket it bound itself.
type scanAsReport struct {
	PID      int32    `json:"pid"`
	UID      int      `json:"uid"`
	SelfPort uint16   `json:"self_port"`
	Exe      string   `json:"exe"`
	Error    string   `json:"error"`
	Snapshot Snapshot `json:"snapshot"`
}

func runScanAs() {
	r := scanAsReport{PID: int32(os.Getpid()), UID: os.Getuid()}
	r.Exe, _ = os.Executable()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err == nil {
		defer l.Close()
		r.SelfPort = uint16(l.Addr().(*net.TCPAddr).Port)
		sc := NewScanner()
		defer sc.Close()
		// Two scans: the second exercises the caches, as a watch loop would.
		// Between them, the engine query the first one started ends.
		if _, err = sc.Scan(context.Background()); err == nil {
			if sc.eng != nil {
				sc.eng.wait()
			}
			r.Snapshot, err = sc.Scan(context.Background())
		}
	}
	if err != nil {
		r.Error = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(r)
	os.Exit(0)
}

// runFromMemfd copies this executable into a memfd and executes it from
// there in the child role: a process whose program exists only in memory.
func runFromMemfd() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "memfd role:", err)
		os.Exit(2)
	}
	fd, err := unix.MemfdCreate("portlight-test", 0)
	if err != nil {
		fail(err)
	}
	exe, err := os.Open("/proc/self/exe")
	if err != nil {
		fail(err)
	}
	mem := os.NewFile(uintptr(fd), "memfd")
	if _, err := io.Copy(mem, exe); err != nil {
		fail(err)
	}
	env := []string{roleEnv + "=child"} // the first of duplicates wins
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, roleEnv+"=") {
			env = append(env, e)
		}
	}
	err = syscall.Exec(fmt.Sprintf("/proc/self/fd/%d", fd), []string{"portlight-memfd"}, env)
	fail(err)
}

// child is a running child-role process.
type child struct {
	t     testing.TB
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	pid   int32
	bound []boundSocket
}

// boundSocket is one socket a child reported bound.
type boundSocket struct {
	network string // as given to net.Listen: tcp, tcp4, udp6, ...
	ap      string // "addr:port" as the child reported it
	port    uint16
}

func testExe(t testing.TB) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("test executable: %v", err)
	}
	return exe
}

// startChild starts a child process of the test binary and binds specs
// ("tcp4 127.0.0.1:0", ...) in it. The child is killed at test cleanup.
func startChild(t *testing.T, specs ...string) *child {
	t.Helper()
	cmd := exec.Command(testExe(t))
	cmd.Env = append(os.Environ(), roleEnv+"=child")
	return startChildCmd(t, cmd, specs...)
}

// startChildCmd starts cmd, which must run the child role (its path,
// arguments, credentials or namespaces are the caller's), and binds specs
// in it. The child is killed at test cleanup.
func startChildCmd(t testing.TB, cmd *exec.Cmd, specs ...string) *child {
	t.Helper()
	cmd.Stderr = os.Stderr
	testrig.DieWithParent(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	c := &child{t: t, cmd: cmd, in: in, out: bufio.NewScanner(outp), pid: int32(cmd.Process.Pid)}
	t.Cleanup(c.kill)
	for _, s := range specs {
		c.bind(s)
	}
	return c
}

func (c *child) send(line, wantPrefix string) string {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.in, line); err != nil {
		c.t.Fatalf("child %d: send %q: %v", c.pid, line, err)
	}
	if !c.out.Scan() {
		c.t.Fatalf("child %d: no answer to %q", c.pid, line)
	}
	got := c.out.Text()
	if !strings.HasPrefix(got, wantPrefix) {
		c.t.Fatalf("child %d: %q answered %q", c.pid, line, got)
	}
	return got
}

// bind binds one more socket in the child and returns it.
func (c *child) bind(spec string) boundSocket {
	c.t.Helper()
	f := strings.Fields(c.send("bind "+spec, "bound "))
	ap, err := netip.ParseAddrPort(f[2])
	if err != nil {
		c.t.Fatalf("child reported %q: %v", f[2], err)
	}
	b := boundSocket{network: f[1], ap: f[2], port: ap.Port()}
	c.bound = append(c.bound, b)
	return b
}

func (c *child) closeAll() {
	c.t.Helper()
	c.send("close", "closed")
}

// kill kills the child and waits for it, so its pid is reaped.
func (c *child) kill() {
	if c.cmd.ProcessState != nil {
		return
	}
	c.cmd.Process.Kill()
	c.in.Close()
	c.cmd.Wait()
}
