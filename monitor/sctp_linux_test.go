//go:build linux

package monitor

import (
	"context"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// The real kernel: without SCTP (no /proc/net/sctp) the netlink source asks
// once and then never; with it, a listening SCTP socket bound by the test
// is listed with Proto "sctp".
func TestNetlinkSCTP(t *testing.T) {
	src := NewNetlinkSource()
	defer src.Close()
	ctx := context.Background()
	if _, err := src.Sockets(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/net/sctp"); err != nil {
		if !src.nl.noSCTP {
			t.Errorf("no /proc/net/sctp, yet the source will ask for SCTP again")
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
