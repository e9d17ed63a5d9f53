package provenance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// dpkgRun runs dpkg, waiting out another dpkg's lock for a while.
func dpkgRun(t *testing.T, args ...string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := exec.Command("dpkg", args...).CombinedOutput()
		if err == nil {
			return
		}
		if !strings.Contains(string(out), "lock") || time.Now().After(deadline) {
			t.Fatalf("dpkg %s: %v: %s", strings.Join(args, " "), err, out)
		}
		time.Sleep(time.Second)
	}
}

// TestRealInstalledPackageIntegrity builds a package holding a real program,
// installs it with dpkg, and checks the program's origin before and after
// its installed file is changed.
func TestRealInstalledPackageIntegrity(t *testing.T) {
	_, errDeb := exec.LookPath("dpkg-deb")
	testrig.Need(t, errDeb == nil, "dpkg-deb")
	testrig.Need(t, os.Geteuid() == 0, "root, to install a package with dpkg -i")
	const name = "portlight-provenance-test"
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	write(t, filepath.Join(tree, "DEBIAN/control"), "Package: "+name+"\nVersion: 1.0-1\nArchitecture: all\n"+
		"Maintainer: Portlight tests <tests@invalid>\nDescription: a program for provenance tests\n")
	prog, err := os.ReadFile("/usr/bin/sleep")
	if err != nil {
		t.Fatal(err)
	}
	installed := "/opt/" + name + "/bin/x"
	write(t, filepath.Join(tree, installed), string(prog))
	sums, err := exec.Command("sh", "-c", "cd "+tree+" && md5sum opt/"+name+"/bin/x").Output()
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(tree, "DEBIAN/md5sums"), string(sums))
	if err := os.Chmod(filepath.Join(tree, "DEBIAN"), 0o755); err != nil {
		t.Fatal(err)
	}
	deb := filepath.Join(dir, name+".deb")
	if out, err := exec.Command("dpkg-deb", "--build", "--root-owner-group", tree, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v: %s", err, out)
	}
	t.Cleanup(func() { dpkgRun(t, "--force-unsafe-io", "--purge", name) })
	dpkgRun(t, "--force-unsafe-io", "-i", deb)

	r := NewResolver(Options{Home: t.TempDir()})
	lookupRun := func() Origin {
		cmd := exec.Command(installed, "60")
		pid := startProcess(t, cmd)
		exe, dev, ino := runningIdentity(t, pid)
		o := r.Lookup(pid, exe, dev, ino)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return o
	}
	if o := lookupRun(); o.Manager != "dpkg" || o.Package != name || o.Version != "1.0-1" || o.Integrity != IntegrityMatch {
		t.Fatalf("installed program: %+v", o)
	}

	// Change the file in place: same inode, new content.
	f, err := os.OpenFile(installed, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write([]byte("trailing bytes"))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Lookup(0, installed, 0, 0); o.Package != name || o.Integrity != IntegrityMismatch {
		t.Errorf("changed file: %+v", o)
	}
	if o := lookupRun(); o.Package != name || o.Integrity != IntegrityMismatch {
		t.Errorf("changed program running: %+v", o)
	}
}
