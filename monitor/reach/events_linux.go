package reach

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// kernelGroups are the netlink multicast groups whose messages can change
// a verdict: links, addresses and routes of both families.
const kernelGroups = unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR |
	unix.RTMGRP_IPV4_ROUTE | unix.RTMGRP_IPV6_ROUTE

// kernelEvents is a NETLINK_ROUTE socket subscribed to kernelGroups. The
// kernel writes a message to it whenever a link, address or route
// changes; Portlight reads nothing from the messages but that something
// changed, and then dumps the tables afresh.
type kernelEvents struct {
	f *os.File
}

// subscribeKernel opens the subscription in the caller's network
// namespace.
func subscribeKernel() (*kernelEvents, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: kernelGroups}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("subscribe to netlink route changes: %w", err)
	}
	// Non-blocking and wrapped in an os.File, the socket waits in Go's
	// poller: a deadline or Close wakes a pending read.
	return &kernelEvents{f: os.NewFile(uintptr(fd), "netlink-route")}, nil
}

// wait blocks until the kernel reports a change or the deadline passes
// (zero: no deadline); it reports whether a change came.
func (k *kernelEvents) wait(deadline time.Time) (bool, error) {
	if err := k.f.SetReadDeadline(deadline); err != nil {
		return false, fmt.Errorf("netlink deadline: %w", err)
	}
	buf := make([]byte, 64<<10)
	_, err := k.f.Read(buf)
	switch {
	case err == nil, errors.Is(err, unix.ENOBUFS):
		// ENOBUFS: messages were lost because too many came; something
		// changed all the same.
		return true, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, nil
	}
	return false, fmt.Errorf("read netlink route changes: %w", err)
}

// close ends the subscription and wakes a pending wait.
func (k *kernelEvents) close() error { return k.f.Close() }
