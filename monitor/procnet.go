package monitor

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// ParseProcNet parses one of /proc/net/{tcp,tcp6,udp,udp6} (proto says which
// protocol the file is for) and appends its listening sockets to out: TCP
// sockets in state LISTEN and UDP sockets in state CLOSE (bound, unconnected).
// The header line is skipped; a line that does not parse is an error naming
// its line number.
func ParseProcNet(r io.Reader, proto Proto, out []Socket) ([]Socket, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	line := 0
	for sc.Scan() {
		line++
		if line == 1 && bytes.Contains(sc.Bytes(), []byte("local_address")) {
			continue
		}
		s, ok, err := parseProcNetLine(sc.Bytes(), proto)
		if err != nil {
			return out, fmt.Errorf("line %d: %w", line, err)
		}
		if ok {
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read line %d: %w", line+1, err)
	}
	return out, nil
}

// procNetFiles pairs each /proc/net table with the protocol it lists.
var procNetFiles = [...]struct {
	name  string
	proto Proto
}{{"tcp", TCP}, {"tcp6", TCP}, {"udp", UDP}, {"udp6", UDP}}

var errProcNetFields = errors.New("too few fields")

// parseProcNetLine parses one socket line of a /proc/net table. It reports
// false (and no error) for blank lines and sockets that are not listening.
//
//	sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode
//	 0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 ...
func parseProcNetLine(line []byte, proto Proto) (Socket, bool, error) {
	var f [10][]byte
	n := 0
	for rest := line; n < len(f); {
		rest = bytes.TrimLeft(rest, " \t")
		if len(rest) == 0 {
			break
		}
		end := bytes.IndexAny(rest, " \t")
		if end < 0 {
			end = len(rest)
		}
		f[n] = rest[:end]
		rest = rest[end:]
		n++
	}
	if n == 0 {
		return Socket{}, false, nil
	}
	if n < len(f) {
		return Socket{}, false, errProcNetFields
	}
	st, err := parseHex(f[3], 8)
	if err != nil {
		return Socket{}, false, fmt.Errorf("state %q: %w", f[3], err)
	}
	want := uint64(stateTCPListen)
	if proto == UDP {
		want = stateTCPClose
	}
	if st != want {
		return Socket{}, false, nil
	}
	colon := bytes.IndexByte(f[1], ':')
	if colon < 0 {
		return Socket{}, false, fmt.Errorf("local address %q: no port", f[1])
	}
	addr, fam, err := parseProcNetAddr(f[1][:colon])
	if err != nil {
		return Socket{}, false, fmt.Errorf("local address %q: %w", f[1], err)
	}
	port, err := parseHex(f[1][colon+1:], 4)
	if err != nil {
		return Socket{}, false, fmt.Errorf("local port %q: %w", f[1], err)
	}
	uid, err := parseDec(f[7])
	if err != nil || uid > 1<<32-1 {
		return Socket{}, false, fmt.Errorf("uid %q: bad number", f[7])
	}
	inode, err := parseDec(f[9])
	if err != nil {
		return Socket{}, false, fmt.Errorf("inode %q: %w", f[9], err)
	}
	if port == 0 {
		return Socket{}, false, nil
	}
	return Socket{
		Proto: proto, Family: fam, Address: addr, Port: uint16(port),
		Inode: inode, UID: uint32(uid),
	}, true, nil
}

// parseProcNetAddr decodes the kernel's hex address: 8 digits for IPv4, 32
// for IPv6, each 32-bit word printed in host byte order (%08X of the raw
// word), hence the native-endian store.
func parseProcNetAddr(h []byte) (netip.Addr, Family, error) {
	switch len(h) {
	case 8:
		w, err := parseHex(h, 8)
		if err != nil {
			return netip.Addr{}, "", err
		}
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], uint32(w))
		return netip.AddrFrom4(b), IPv4, nil
	case 32:
		var b [16]byte
		for i := 0; i < 4; i++ {
			w, err := parseHex(h[i*8:i*8+8], 8)
			if err != nil {
				return netip.Addr{}, "", err
			}
			binary.NativeEndian.PutUint32(b[i*4:], uint32(w))
		}
		return netip.AddrFrom16(b), IPv6, nil
	}
	return netip.Addr{}, "", fmt.Errorf("%d hex digits, want 8 or 32", len(h))
}

var errBadNumber = errors.New("bad number")

// parseHex parses 1 to max hex digits without allocating.
func parseHex(b []byte, max int) (uint64, error) {
	if len(b) == 0 || len(b) > max {
		return 0, errBadNumber
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, errBadNumber
		}
		v = v<<4 | uint64(c)
	}
	return v, nil
}

// parseDec parses up to 19 decimal digits (no overflow) without allocating.
func parseDec(b []byte) (uint64, error) {
	if len(b) == 0 || len(b) > 19 {
		return 0, errBadNumber
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errBadNumber
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}
