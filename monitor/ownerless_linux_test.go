package monitor

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// A listener whose only reference is in flight in an SCM_RIGHTS message is
// held by no process: it must be listed as hidden, kept in the negative cache
// (no walk per scan), and attributed once a process receives it and a retry
// is due.
func TestScannerOwnerlessSocket(t *testing.T) {
	lfd, err := bindRaw(unix.AF_INET, TCP, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(lfd)
	if err != nil {
		t.Fatal(err)
	}
	b := boundSocket{network: "tcp4", ap: "127.0.0.1:0", port: uint16(sa.(*unix.SockaddrInet4).Port)}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	if err := unix.Sendmsg(pair[0], []byte{1}, unix.UnixRights(lfd), nil, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(lfd) // now only the message in flight holds the listener

	const retry = 3
	sc := NewScanner(WithOwnerRetry(retry))
	defer sc.Close()
	first := scan(t, sc)
	ls := findBound(first, b)
	if len(ls) != 1 || !ls[0].OwnerHidden || ls[0].PID != 0 || ls[0].UID != uint32(os.Getuid()) {
		t.Fatalf("in-flight listener: %+v, want one hidden with our uid", ls)
	}
	attr := sc.attr.(*procAttributor)
	if n, ok := attr.negative[ls[0].Inode]; !ok || n.every != retry {
		t.Fatalf("negative cache entry %+v %v, want a retry every %d scans", n, ok, retry)
	}

	// Receive it: this process (not a new one) now holds the socket.
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(pair[1], make([]byte, 1), oob, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
	fds, _ := unix.ParseUnixRights(&msgs[0])
	defer unix.Close(fds[0])

	prev := first
	for i := 1; i <= retry; i++ {
		next := scan(t, sc)
		ls = findBound(next, b)
		if len(ls) != 1 {
			t.Fatalf("scan %d: %d listeners", i, len(ls))
		}
		if !ls[0].OwnerHidden {
			if i != retry {
				t.Errorf("attributed %d scans later, want %d (when the retry is due)", i, retry)
			}
			if ls[0].PID != int32(os.Getpid()) {
				t.Errorf("attributed to %d, want %d", ls[0].PID, os.Getpid())
			}
			if evs := eventsFor(Diff(prev, next), OwnerChanged, b); len(evs) != 1 {
				t.Errorf("no owner_changed event when the owner appeared")
			}
			return
		}
		prev = next
	}
	t.Fatalf("still hidden after %d scans", retry)
}
