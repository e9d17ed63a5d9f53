package monitor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"syscall"
)

// The NETLINK_SOCK_DIAG wire format (linux/netlink.h, linux/inet_diag.h). The
// constants live here, not in a _linux file, so the encoder and parser build and
// are tested (and fuzzed) on every OS.
const (
	nlmsgHdrLen = 16 // struct nlmsghdr

	nlmsgError = 2 // NLMSG_ERROR
	nlmsgDone  = 3 // NLMSG_DONE

	nlmFRequest  = 0x1   // NLM_F_REQUEST
	nlmFDumpIntr = 0x10  // NLM_F_DUMP_INTR: the dump was changed under us
	nlmFDump     = 0x300 // NLM_F_ROOT | NLM_F_MATCH

	sockDiagByFamily = 20 // SOCK_DIAG_BY_FAMILY

	afInet  = 2  // AF_INET
	afInet6 = 10 // AF_INET6 (Linux value; the kernel speaks Linux)

	ipprotoTCP  = 6
	ipprotoUDP  = 17
	ipprotoSCTP = 132

	// Linux errno values the kernel answers a dump of a protocol it has
	// no diag handler for with (ENOENT: the sctp module is not loaded; the
	// others from older kernels). Numbers, not syscall's names, so the
	// parser means the same on every OS it is tested on.
	linuxENOENT          = 2
	linuxEINVAL          = 22
	linuxEPROTONOSUPPORT = 93

	// Socket states as the kernel numbers them (include/net/tcp_states.h).
	// A TCP listener is TCP_LISTEN; a bound, unconnected UDP socket is
	// TCP_CLOSE, which is what `ss -ul` asks for (UNCONN in its output).
	stateTCPClose  = 7
	stateTCPListen = 10

	inetDiagReqV2Len = 56 // struct inet_diag_req_v2
	inetDiagMsgLen   = 72 // struct inet_diag_msg
)

// diagQuery is one inet_diag dump: a family, a protocol and the states wanted.
type diagQuery struct {
	family   uint8
	protocol uint8
	state    uint8 // the single state asked for (and checked in replies)
	proto    Proto
}

// diagQueries are the four dumps one scan makes: TCP LISTEN and UDP
// unconnected, for IPv4 and IPv6. The AF_INET6 dumps include dual-stack `::`
// sockets and IPv4-mapped binds; the AF_INET dumps never repeat them.
var diagQueries = [...]diagQuery{
	{afInet, ipprotoTCP, stateTCPListen, TCP},
	{afInet6, ipprotoTCP, stateTCPListen, TCP},
	{afInet, ipprotoUDP, stateTCPClose, UDP},
	{afInet6, ipprotoUDP, stateTCPClose, UDP},
}

// sctpQueries are the SCTP dumps, asked after diagQueries where the kernel
// has SCTP (the sctp module loaded). Asking for TCP_LISTEN makes the kernel
// walk its SCTP endpoints (every bound one of the namespace, whatever its
// state; associations are not walked); a listening one's state is
// TCP_LISTEN (SCTP_SS_LISTENING), which parseDiagMsg keeps. Its address is
// the first it is bound to (a multi-homed endpoint's others are in an
// INET_DIAG_LOCALS attribute, not read).
var sctpQueries = [...]diagQuery{
	{afInet, ipprotoSCTP, stateTCPListen, SCTP},
	{afInet6, ipprotoSCTP, stateTCPListen, SCTP},
}

// appendDiagRequest appends a SOCK_DIAG_BY_FAMILY dump request for q with
// sequence number seq to b. The kernel filters by state, so only listening
// sockets cross into user space whatever the number of connections.
func appendDiagRequest(b []byte, seq uint32, q diagQuery) []byte {
	ne := binary.NativeEndian
	total := nlmsgHdrLen + inetDiagReqV2Len
	b = ne.AppendUint32(b, uint32(total))
	b = ne.AppendUint16(b, sockDiagByFamily)
	b = ne.AppendUint16(b, nlmFRequest|nlmFDump)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0) // port id: the kernel fills it
	// struct inet_diag_req_v2
	b = append(b, q.family, q.protocol, 0 /* idiag_ext */, 0 /* pad */)
	b = ne.AppendUint32(b, 1<<q.state)
	// struct inet_diag_sockid: all zero, i.e. match any.
	var zero [48]byte
	return append(b, zero[:]...)
}

// errDumpInterrupted reports a dump the kernel flagged NLM_F_DUMP_INTR: the
// socket tables changed while it was being walked, so the reply may miss or
// repeat sockets and must be asked for again.
var errDumpInterrupted = errors.New("netlink dump interrupted (NLM_F_DUMP_INTR)")

// diagError is an NLMSG_ERROR reply: the kernel refused the request.
type diagError struct{ errno syscall.Errno }

func (e *diagError) Error() string { return fmt.Sprintf("netlink error: %v", e.errno) }
func (e *diagError) Unwrap() error { return e.errno }

// parseDiagMessages parses one datagram of a dump reply for q. It appends the
// sockets found to out and reports whether the dump is done. Messages with
// another sequence number (left over from an aborted dump) are skipped. An
// interrupted dump is reported as errDumpInterrupted once the dump is done,
// so the caller can drain it and ask again.
func parseDiagMessages(b []byte, seq uint32, q diagQuery, out []Socket) (_ []Socket, done, intr bool, err error) {
	ne := binary.NativeEndian
	for len(b) >= nlmsgHdrLen {
		n := int(ne.Uint32(b[0:4]))
		typ := ne.Uint16(b[4:6])
		flags := ne.Uint16(b[6:8])
		mseq := ne.Uint32(b[8:12])
		if n < nlmsgHdrLen || n > len(b) {
			return out, false, intr, fmt.Errorf("netlink message length %d of %d bytes left", n, len(b))
		}
		body := b[nlmsgHdrLen:n]
		// Messages are padded to 4 bytes (NLMSG_ALIGN).
		adv := (n + 3) &^ 3
		if adv > len(b) {
			adv = len(b)
		}
		b = b[adv:]
		if mseq != seq {
			continue
		}
		if flags&nlmFDumpIntr != 0 {
			intr = true
		}
		switch typ {
		case nlmsgDone:
			// A dump that failed ends with NLMSG_DONE carrying the
			// negative errno (an unloaded protocol: -ENOENT).
			if len(body) >= 4 {
				if code := int32(ne.Uint32(body[0:4])); code < 0 {
					return out, true, intr, &diagError{errno: syscall.Errno(-code)}
				}
			}
			return out, true, intr, nil
		case nlmsgError:
			if len(body) < 4 {
				return out, false, intr, errors.New("netlink error message too short")
			}
			code := int32(ne.Uint32(body[0:4]))
			if code == 0 { // an ACK; not expected in a dump, harmless
				continue
			}
			return out, true, intr, &diagError{errno: syscall.Errno(-code)}
		case sockDiagByFamily:
			s, ok := parseDiagMsg(body, q)
			if ok {
				out = append(out, s)
			}
		}
	}
	if len(b) != 0 {
		return out, false, intr, fmt.Errorf("netlink datagram has %d trailing bytes", len(b))
	}
	return out, false, intr, nil
}

// parseDiagMsg decodes one struct inet_diag_msg (attributes that follow it are
// ignored). It reports false for a message that is short, of another family,
// in another state than asked (the kernel filters, this double-checks), or
// bound to port 0.
func parseDiagMsg(m []byte, q diagQuery) (Socket, bool) {
	if len(m) < inetDiagMsgLen {
		return Socket{}, false
	}
	if m[0] != q.family || m[1] != q.state {
		return Socket{}, false
	}
	port := binary.BigEndian.Uint16(m[4:6])
	if port == 0 {
		return Socket{}, false
	}
	s := Socket{Proto: q.proto, Port: port}
	if q.family == afInet {
		s.Family = IPv4
		s.Address = netip.AddrFrom4([4]byte(m[8:12]))
	} else {
		s.Family = IPv6
		s.Address = netip.AddrFrom16([16]byte(m[8:24]))
	}
	ne := binary.NativeEndian
	s.UID = ne.Uint32(m[64:68])
	s.Inode = uint64(ne.Uint32(m[68:72]))
	return s, true
}

// nlConn is the datagram conversation a dump needs: one request out, reply
// datagrams in. The Linux source passes its netlink socket; tests pass
// recorded or crafted replies.
type nlConn interface {
	Write(b []byte) (int, error)
	Read(b []byte) (int, error)
}

// maxDumpAttempts bounds the retries of one interrupted dump. The kernel flags
// an interruption only when a socket table changed during the walk; under
// heavy churn a few retries are normal, an endless stream is not.
const maxDumpAttempts = 5

// diagDumper runs a scan's inet_diag dumps over one netlink socket or
// several (one per namespace). Its buffers are reused across scans so that
// a steady scan does not allocate; seq is the running sequence number.
type diagDumper struct {
	seq uint32
	req []byte
	buf []byte
	// sctpLoaded reports whether the kernel has SCTP (its sctp module
	// loaded); nil asks regardless (tests' stand-ins). Without the module no
	// SCTP socket can exist, and an SCTP dump would make the kernel try to
	// load it (request_module): a monitor must not widen the kernel.
	sctpLoaded func() bool
	sctpSkip   int // dumps before sctpLoaded is asked again
	// noSCTP: the kernel answered an SCTP dump that it has no SCTP
	// diagnostics, so it is not asked again.
	noSCTP   bool
	sctpAsks int // SCTP dump pairs started, for tests
}

// sctpRecheckEvery is how many dumps pass before a kernel without SCTP is
// looked at again (a minute at one scan a second): a program creating an
// SCTP socket loads the module.
const sctpRecheckEvery = 60

// logNoSCTP says once per process that SCTP is not listed.
var logNoSCTP sync.Once

// dump runs the four TCP and UDP dumps over c, then the SCTP ones where
// the kernel has SCTP and has not said it cannot dump it, and appends every
// listening socket to out. An interrupted dump is retried up to maxDumpAttempts times, then
// reported as an error.
func (d *diagDumper) dump(c nlConn, out []Socket) ([]Socket, error) {
	if d.buf == nil {
		d.buf = make([]byte, recvBufSize)
	}
	var err error
	for _, q := range diagQueries {
		if out, err = d.dumpOne(c, q, out); err != nil {
			return out, err
		}
	}
	if d.noSCTP {
		return out, nil
	}
	if d.sctpLoaded != nil {
		if d.sctpSkip > 0 {
			d.sctpSkip--
			return out, nil
		}
		if !d.sctpLoaded() {
			d.sctpSkip = sctpRecheckEvery
			logNoSCTP.Do(func() {
				slog.Debug("SCTP listeners not listed: the kernel's sctp module is not loaded; looked for again every minute",
					"subsystem", "monitor")
			})
			return out, nil
		}
	}
	d.sctpAsks++
	start := len(out)
	for _, q := range sctpQueries {
		out, err = d.dumpOne(c, q, out)
		var de *diagError
		if errors.As(err, &de) && (de.errno == linuxENOENT || de.errno == linuxEINVAL || de.errno == linuxEPROTONOSUPPORT) {
			d.noSCTP = true
			logNoSCTP.Do(func() {
				slog.Debug("SCTP listeners not listed: the kernel has no SCTP socket diagnostics (module sctp not loaded)",
					"subsystem", "monitor", "err", err)
			})
			return out[:start], nil
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// recvBufSize is larger than the 32 KiB the kernel caps a dump datagram at
// (SKB_WITH_OVERHEAD(32768) in netlink_recvmsg), so no reply is truncated.
const recvBufSize = 64 << 10

// dumpOne runs the dump of q, retrying an interrupted one.
func (d *diagDumper) dumpOne(c nlConn, q diagQuery, out []Socket) ([]Socket, error) {
	start := len(out)
	for attempt := 1; ; attempt++ {
		d.seq++
		out = out[:start]
		d.req = appendDiagRequest(d.req[:0], d.seq, q)
		if _, err := c.Write(d.req); err != nil {
			return out, fmt.Errorf("send inet_diag request: %w", err)
		}
		intr := false
		for done := false; !done; {
			n, err := c.Read(d.buf)
			if err != nil {
				return out, fmt.Errorf("read inet_diag reply: %w", err)
			}
			if n == 0 {
				return out, errors.New("read inet_diag reply: connection closed")
			}
			var i bool
			out, done, i, err = parseDiagMessages(d.buf[:n], d.seq, q, out)
			intr = intr || i
			if err != nil {
				return out, fmt.Errorf("inet_diag dump (family %d, protocol %d): %w", q.family, q.protocol, err)
			}
		}
		if !intr {
			return out, nil
		}
		if attempt == maxDumpAttempts {
			return out, fmt.Errorf("inet_diag dump (family %d, protocol %d), %d attempts: %w",
				q.family, q.protocol, attempt, errDumpInterrupted)
		}
	}
}
