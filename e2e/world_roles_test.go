//go:build linux

package e2e

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The world's listener role: the test binary (or a copy of it, installed by
// a package, hidden in a folder or run from memory) binds every address of
// envWorldBind ("tcp4:0.0.0.0:22000,udp4:0.0.0.0:21027"), does the acts of
// envWorldActs, prints "ready" (and the decoy's pid) and holds its sockets
// until SIGTERM. The role is taken in init, before TestMain: on the main
// thread, so that PR_SET_NAME names the process and not a worker thread.
//
// Acts, comma-separated:
//   - comm=NAME: set the process name (prctl PR_SET_NAME), as a kernel-thread
//     mimic does;
//   - memfd: copy the program into a memfd and run it from there (the copy
//     then does the other acts);
//   - decoy=PATH: fork a child that runs PATH with the first TCP socket
//     inherited, the parent staying alive;
//   - nodump: make the process non-dumpable (prctl PR_SET_DUMPABLE 0), so
//     that even its own user cannot read which program it is.
const (
	envWorldBind = "PORTLIGHT_E2E_WORLD_BIND"
	envWorldActs = "PORTLIGHT_E2E_WORLD_ACTS"
)

func init() {
	binds := os.Getenv(envWorldBind)
	if binds == "" {
		return
	}
	os.Exit(worldRole(strings.Split(binds, ","), strings.Split(os.Getenv(envWorldActs), ",")))
}

// worldRole is the listener role; it returns the exit status.
func worldRole(binds, acts []string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "world role:", err)
		return 1
	}
	if slices.Contains(acts, "memfd") {
		rest := slices.DeleteFunc(slices.Clone(acts), func(a string) bool { return a == "memfd" })
		return fail(execFromMemfd(rest))
	}
	var decoy string
	for _, a := range acts {
		switch {
		case strings.HasPrefix(a, "comm="):
			name, err := unix.BytePtrFromString(a[len("comm="):])
			if err == nil {
				err = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0)
			}
			if err != nil {
				return fail(fmt.Errorf("PR_SET_NAME: %w", err))
			}
		case strings.HasPrefix(a, "decoy="):
			decoy = a[len("decoy="):]
		}
	}
	var files []*os.File // the sockets, kept open until the end
	for _, b := range binds {
		network, addr, _ := strings.Cut(b, ":")
		var f *os.File
		var err error
		if strings.HasPrefix(network, "udp") {
			var pc net.PacketConn
			if pc, err = net.ListenPacket(network, addr); err == nil {
				f, err = pc.(*net.UDPConn).File()
			}
		} else {
			var ln net.Listener
			if ln, err = net.Listen(network, addr); err == nil {
				f, err = ln.(*net.TCPListener).File()
			}
		}
		if err != nil {
			return fail(err)
		}
		files = append(files, f)
	}
	ready := "ready"
	if decoy != "" {
		child := exec.Command(decoy, "100000")
		child.ExtraFiles = files[:1]
		if err := child.Start(); err != nil {
			return fail(fmt.Errorf("decoy: %w", err))
		}
		defer child.Process.Kill()
		ready += fmt.Sprintf(" %d", child.Process.Pid)
	}
	if slices.Contains(acts, "nodump") {
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			return fail(fmt.Errorf("PR_SET_DUMPABLE: %w", err))
		}
	}
	fmt.Println(ready)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, f := range files {
		f.Close()
	}
	return 0
}

// execFromMemfd copies the running program into a memfd and executes it,
// with acts as its acts: a program with no file on disk.
func execFromMemfd(acts []string) error {
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return err
	}
	defer self.Close()
	fd, err := unix.MemfdCreate("world", 0)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "memfd")
	if _, err := io.Copy(mem, self); err != nil {
		return fmt.Errorf("copy into the memfd: %w", err)
	}
	env := append(dropEnv(os.Environ(), envWorldActs), envWorldActs+"="+strings.Join(acts, ","))
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	return fmt.Errorf("exec %s: %w", path, syscall.Exec(path, []string{"world"}, env))
}
