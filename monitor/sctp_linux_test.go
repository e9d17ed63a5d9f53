//go:build linux

package monitor

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The real kernel. Without SCTP (no /proc/net/sctp) the netlink source
// does not ask for it; asked anyway where no sctp module exists on disk (so
// the kernel's attempt to load one changes nothing), the kernel refuses
// and the source stops asking. With SCTP, a listening SCTP socket bound by
// the test is listed with Proto "sctp".
func TestNetlinkSCTP(t *testing.T) {
	src := NewNetlinkSource()
	defer src.Close()
	ctx := context.Background()
	for range 2 {
		if _, err := src.Sockets(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat("/proc/net/sctp"); err != nil {
		if src.nl.sctpAsks != 0 {
			t.Errorf("no /proc/net/sctp, yet the source asked for SCTP %d times", src.nl.sctpAsks)
		}
		if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil && !hasModuleFile(strings.TrimSpace(string(rel)), "sctp") {
			src.nl.sctpLoaded = nil // ask regardless: nothing can be loaded
			for range 3 {
				if _, err := src.Sockets(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if src.nl.sctpAsks != 1 || !src.nl.noSCTP {
				t.Errorf("a kernel without SCTP asked %d times in 3 scans (noSCTP %v), want once", src.nl.sctpAsks, src.nl.noSCTP)
			}
		}
		// A plain Skip, not testrig.Need: the sctp kernel module cannot be
		// installed by any apt package on a VM's kernel (modprobe sctp has
		// nothing to load), so PORTLIGHT_REQUIRE_DESKTOP=1 cannot ask for it.
		t.Skip("listing a real SCTP listener needs the kernel's sctp module (/proc/net/sctp absent; modprobe sctp)")
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_SCTP)
	if err != nil {
		t.Fatalf("SCTP socket with /proc/net/sctp present: %v", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(sa.(*unix.SockaddrInet4).Port)
	socks, err := src.Sockets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range socks {
		if s.Proto == SCTP && s.Port == port && s.Address.String() == "127.0.0.1" {
			return
		}
	}
	t.Errorf("SCTP listener 127.0.0.1:%d not listed: %+v", port, socks)
}

// hasModuleFile reports whether /lib/modules/RELEASE holds a file for the
// kernel module name (name.ko, possibly compressed).
func hasModuleFile(release, name string) bool {
	found := false
	filepath.WalkDir(filepath.Join("/lib/modules", release), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), name+".ko") {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}
