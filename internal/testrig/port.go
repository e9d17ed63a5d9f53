package testrig

import (
	"net"
	"testing"
)

// FreeTCPPort returns a TCP port nothing on the host listens on now.
func FreeTCPPort(t testing.TB) uint16 {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}
