package monitor

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"syscall"
	"testing"
)

// diagMsg builds one netlink message carrying a struct inet_diag_msg, with an
// 8-byte attribute after it as the kernel adds (INET_DIAG_SHUTDOWN etc.).
func diagMsg(seq uint32, flags uint16, family, state uint8, addr netip.Addr, port uint16, uid, inode uint32) []byte {
	ne := binary.NativeEndian
	body := make([]byte, inetDiagMsgLen+8)
	body[0], body[1] = family, state
	binary.BigEndian.PutUint16(body[4:6], port)
	if addr.Is4() {
		a := addr.As4()
		copy(body[8:12], a[:])
	} else {
		a := addr.As16()
		copy(body[8:24], a[:])
	}
	ne.PutUint32(body[64:68], uid)
	ne.PutUint32(body[68:72], inode)
	ne.PutUint16(body[72:74], 8) // rtattr len
	ne.PutUint16(body[74:76], 8) // INET_DIAG_SHUTDOWN
	return nlMsg(seq, sockDiagByFamily, flags, body)
}

func nlMsg(seq uint32, typ, flags uint16, body []byte) []byte {
	ne := binary.NativeEndian
	b := ne.AppendUint32(nil, uint32(nlmsgHdrLen+len(body)))
	b = ne.AppendUint16(b, typ)
	b = ne.AppendUint16(b, flags)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0)
	b = append(b, body...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func doneMsg(seq uint32, flags uint16) []byte {
	return nlMsg(seq, nlmsgDone, flags, []byte{0, 0, 0, 0})
}

func errMsg(seq uint32, errno int32) []byte {
	b := binary.NativeEndian.AppendUint32(nil, uint32(-errno))
	return nlMsg(seq, nlmsgError, 0, append(b, make([]byte, nlmsgHdrLen)...))
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func TestAppendDiagRequest(t *testing.T) {
	q := diagQueries[3] // UDP over IPv6
	b := appendDiagRequest(nil, 42, q)
	ne := binary.NativeEndian
	if len(b) != nlmsgHdrLen+inetDiagReqV2Len || ne.Uint32(b[0:4]) != uint32(len(b)) {
		t.Fatalf("request length %d, header says %d", len(b), ne.Uint32(b[0:4]))
	}
	if ne.Uint16(b[4:6]) != sockDiagByFamily || ne.Uint16(b[6:8]) != nlmFRequest|nlmFDump || ne.Uint32(b[8:12]) != 42 {
		t.Errorf("header %x", b[:16])
	}
	if b[16] != afInet6 || b[17] != ipprotoUDP || ne.Uint32(b[20:24]) != 1<<stateTCPClose {
		t.Errorf("inet_diag_req_v2 %x", b[16:24])
	}
}

func TestParseDiagMessages(t *testing.T) {
	q := diagQueries[1] // TCP over IPv6
	dual := netip.IPv6Unspecified()
	lo := netip.IPv6Loopback()
	dgram := cat(
		diagMsg(7, nlmFMultiForTest, afInet6, stateTCPListen, dual, 8080, 1000, 555),
		diagMsg(6, nlmFMultiForTest, afInet6, stateTCPListen, lo, 9999, 0, 1), // stale sequence
		diagMsg(7, nlmFMultiForTest, afInet6, 1, lo, 443, 0, 2),               // ESTABLISHED: not asked for
		diagMsg(7, nlmFMultiForTest, afInet6, stateTCPListen, lo, 0, 0, 3),    // port 0
		diagMsg(7, nlmFMultiForTest, afInet6, stateTCPListen, lo, 631, 0, 4242),
		doneMsg(7, nlmFMultiForTest),
	)
	got, done, intr, err := parseDiagMessages(dgram, 7, q, nil)
	if err != nil || !done || intr {
		t.Fatalf("done %v intr %v err %v", done, intr, err)
	}
	want := []Socket{
		{Proto: TCP, Family: IPv6, Address: dual, Port: 8080, UID: 1000, Inode: 555},
		{Proto: TCP, Family: IPv6, Address: lo, Port: 631, UID: 0, Inode: 4242},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

const nlmFMultiForTest = 0x2

func TestParseDiagMessagesErrors(t *testing.T) {
	q := diagQueries[0]
	_, done, _, err := parseDiagMessages(errMsg(3, 1 /* EPERM */), 3, q, nil)
	var de *diagError
	if !done || !errors.As(err, &de) || de.errno != syscall.Errno(1) {
		t.Errorf("NLMSG_ERROR: done %v err %v", done, err)
	}
	m := diagMsg(3, 0, afInet, stateTCPListen, netip.MustParseAddr("127.0.0.1"), 80, 0, 1)
	binary.NativeEndian.PutUint32(m[0:4], uint32(len(m)+100))
	if _, _, _, err := parseDiagMessages(m, 3, q, nil); err == nil {
		t.Error("message longer than the datagram: no error")
	}
	if _, _, _, err := parseDiagMessages(append(doneMsg(9, 0)[:16:16], 1, 2), 3, q, nil); err == nil {
		t.Error("trailing bytes: no error")
	}
}

// fakeNL answers each dump request from a table of sockets per query,
// flagging the first intr[query] dumps as interrupted, and splitting each
// reply over two datagrams.
//
// SCTP (protocol 132) is answered, when sctpErrno is set, as a kernel
// without the sctp module answers: NLMSG_DONE carrying -sctpErrno; else
// from socks like the others.
type fakeNL struct {
	socks     map[uint16][]Socket // by family*1000+protocol
	intr      map[int]int
	sctpErrno int32
	replies   [][]byte
	dumps     int
	sctpDumps int
}

func (f *fakeNL) Write(b []byte) (int, error) {
	seq := binary.NativeEndian.Uint32(b[8:12])
	fam, proto := b[16], b[17]
	qi := 0
	all := append(diagQueries[:], sctpQueries[:]...)
	for i, q := range all {
		if q.family == fam && q.protocol == proto {
			qi = i
		}
	}
	q := all[qi]
	f.dumps++
	if proto == ipprotoSCTP {
		f.sctpDumps++
		if f.sctpErrno != 0 {
			body := binary.NativeEndian.AppendUint32(nil, uint32(-f.sctpErrno))
			f.replies = append(f.replies, nlMsg(seq, nlmsgDone, nlmFMultiForTest, body))
			return len(b), nil
		}
	}
	var flags uint16 = nlmFMultiForTest
	if f.intr[qi] > 0 {
		f.intr[qi]--
		flags |= nlmFDumpIntr
	}
	var msgs [][]byte
	for _, s := range f.socks[uint16(fam)*1000+uint16(proto)] {
		msgs = append(msgs, diagMsg(seq, nlmFMultiForTest, q.family, q.state, s.Address, s.Port, s.UID, uint32(s.Inode)))
	}
	half := len(msgs) / 2
	if half > 0 {
		f.replies = append(f.replies, cat(msgs[:half]...))
	}
	f.replies = append(f.replies, cat(append(msgs[half:], doneMsg(seq, flags))...))
	return len(b), nil
}

func (f *fakeNL) Read(b []byte) (int, error) {
	if len(f.replies) == 0 {
		return 0, errors.New("read with no request pending")
	}
	n := copy(b, f.replies[0])
	f.replies = f.replies[1:]
	return n, nil
}

func fakeWorld() *fakeNL {
	v4 := netip.MustParseAddr("127.0.0.1")
	return &fakeNL{socks: map[uint16][]Socket{
		afInet*1000 + ipprotoTCP:  {{Address: v4, Port: 22, Inode: 1}, {Address: v4, Port: 80, Inode: 2}, {Address: v4, Port: 443, Inode: 3}},
		afInet6*1000 + ipprotoTCP: {{Address: netip.IPv6Unspecified(), Port: 22, Inode: 4}},
		afInet*1000 + ipprotoUDP:  {{Address: v4, Port: 53, Inode: 5}},
		afInet6*1000 + ipprotoUDP: {{Address: netip.IPv6Loopback(), Port: 5353, Inode: 6, UID: 7}},
	}, intr: map[int]int{}, sctpErrno: linuxENOENT}
}

func TestDumpListenersRetriesInterrupted(t *testing.T) {
	f := fakeWorld()
	f.intr[0] = 2 // the TCP/IPv4 dump is interrupted twice
	var d diagDumper
	got, err := d.dump(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || f.dumps != 7 {
		t.Errorf("%d sockets after %d dumps, want 6 sockets (no duplicates) after 7 dumps (6, and SCTP refused): %+v", len(got), f.dumps, got)
	}
	if got[5].Proto != UDP || got[5].Family != IPv6 || got[5].Port != 5353 || got[5].UID != 7 {
		t.Errorf("last socket %+v", got[5])
	}
}

func TestDumpListenersGivesUp(t *testing.T) {
	f := fakeWorld()
	f.intr[2] = 1000
	var d diagDumper
	_, err := d.dump(f, nil)
	if !errors.Is(err, errDumpInterrupted) {
		t.Fatalf("err %v, want errDumpInterrupted", err)
	}
	if f.dumps != 2+maxDumpAttempts {
		t.Errorf("%d dumps, want %d", f.dumps, 2+maxDumpAttempts)
	}
}
