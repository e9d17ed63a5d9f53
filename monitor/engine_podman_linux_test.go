package monitor

import (
	"archive/tar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// busyboxImage writes a tar of a root file system holding only
// busybox-static (httpd), which `podman import` turns into an image
// offline, no registry asked.
func busyboxImage(t *testing.T, dir string) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rootfs.tar")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(b))})
	tw.Write(b)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A real rootful podman (runc, netavark) publishes a port with DNAT rules;
// its conmon holds the host port without serving it. Asked through
// podman's Docker-compatible API socket, the scanner marks conmon's
// listener as published by NAT for the container, with its name and image,
// adds no second entry, and names the container of the listener inside.
func TestPodmanPublishedPort(t *testing.T) {
	testrig.Slow(t, "runs a podman container")
	testrig.RequireRoot(t, "to run rootful podman")
	testrig.RequireTool(t, "podman", "runc", "busybox", "iptables")
	dir := t.TempDir()
	t.Cleanup(func() { unmountUnder(dir) }) // the containers' shm, before the folder goes
	base := []string{"--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--runtime", "runc"}
	podman := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("podman", append(base, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	start := time.Now()
	podman("import", busyboxImage(t, dir), "localhost/portlight-bb:1")
	name := "portlight-test-" + strconv.Itoa(os.Getpid())
	port := testrig.FreeTCPPort(t)
	// Its own ulimits: crun and runc may not raise this sandbox's.
	id := podman("run", "-d", "--name", name, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "-p",
		"127.0.0.1:"+strconv.Itoa(int(port))+":80", "localhost/portlight-bb:1", "/bin/busybox", "httpd", "-f", "-p", "80")
	t.Cleanup(func() {
		exec.Command("podman", append(base, "rm", "-f", "-t", "0", name)...).Run()
		exec.Command("podman", append(base, "rmi", "-f", "localhost/portlight-bb:1")...).Run()
	})

	sock := filepath.Join(dir, "podman.sock")
	svc := testrig.DieWithParent(exec.Command("podman", append(base, "system", "service", "--time=0", "unix://"+sock)...))
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Process.Kill(); svc.Wait() })
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
	}
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Logf("podman: image, container and API up in %v", time.Since(start).Round(time.Millisecond))

	sc := NewScanner()
	defer sc.Close()
	snap := scanEngineT(t, sc)
	var host, inner []Listener
	for _, l := range findPort(snap, TCP, port) {
		if !l.Namespace.Inner() {
			host = append(host, l)
		}
	}
	for _, l := range findPort(snap, TCP, 80) {
		if l.Container != nil && l.Container.ID == id {
			inner = append(inner, l)
		}
	}
	want := Published{Engine: "podman", Container: name, ContainerID: id, Image: "localhost/portlight-bb:1",
		HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80, NAT: true}
	if len(host) != 1 || !strings.HasSuffix(host[0].Exe, "/conmon") || host[0].Published == nil || *host[0].Published != want {
		t.Fatalf("host port %d: %+v, want conmon's listener published %+v", port, host, want)
	}
	if len(inner) != 1 || inner[0].Container.Name != name || inner[0].Container.Image != want.Image {
		t.Errorf("httpd's listener in the container: %+v, want named %s", inner, name)
	}
	if st := sc.Engines(); len(st) != 1 || !st[0].Reachable {
		t.Errorf("Engines = %+v", st)
	}
}

// unmountUnder detaches whatever podman left mounted under dir.
func unmountUnder(dir string) {
	b, _ := os.ReadFile("/proc/self/mounts")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			syscall.Unmount(f[1], syscall.MNT_DETACH)
		}
	}
}
