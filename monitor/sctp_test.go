package monitor

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"syscall"
	"testing"
)

// The SCTP dump request: SOCK_DIAG_BY_FAMILY, the family, protocol 132,
// the LISTEN state bit, a zero socket id.
func TestAppendDiagRequestSCTP(t *testing.T) {
	for _, q := range sctpQueries {
		b := appendDiagRequest(nil, 9, q)
		ne := binary.NativeEndian
		if len(b) != nlmsgHdrLen+inetDiagReqV2Len || ne.Uint32(b[0:4]) != uint32(len(b)) || ne.Uint16(b[4:6]) != sockDiagByFamily ||
			ne.Uint16(b[6:8]) != nlmFRequest|nlmFDump || ne.Uint32(b[8:12]) != 9 {
			t.Fatalf("header % x", b[:16])
		}
		if b[16] != q.family || b[17] != 132 || ne.Uint32(b[20:24]) != 1<<10 || !bytes.Equal(b[24:], make([]byte, 48)) {
			t.Errorf("request body % x, want family %d, protocol 132, states 1<<10, zero id", b[16:], q.family)
		}
	}
}

// noSCTPReply is what Linux 6.18 on x86-64 without the sctp module answered
// an SCTP dump with sequence number 7: NLMSG_DONE (flags NLM_F_MULTI)
// carrying -ENOENT.
var noSCTPReply = []byte{0x14, 0, 0, 0, 0x03, 0, 0x02, 0, 0x07, 0, 0, 0, 0xfd, 0x62, 0, 0, 0xfe, 0xff, 0xff, 0xff}

// A dump that ends with NLMSG_DONE carrying an error is that error, not an
// empty list: the captured reply, and the same built for this machine's
// byte order.
func TestParseDiagDoneWithError(t *testing.T) {
	built := nlMsg(7, nlmsgDone, nlmFMultiForTest, binary.NativeEndian.AppendUint32(nil, uint32(0xfffffffe)))
	cases := [][]byte{built}
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 { // little-endian: the capture is in our order
		cases = append(cases, noSCTPReply)
	}
	for _, b := range cases {
		out, done, _, err := parseDiagMessages(b, 7, sctpQueries[0], nil)
		var de *diagError
		if !done || len(out) != 0 || !errors.As(err, &de) || de.errno != linuxENOENT {
			t.Errorf("% x: done %v, %d sockets, err %v; want done with ENOENT", b, done, len(out), err)
		}
	}
	// A successful dump's NLMSG_DONE carries 0.
	if _, done, _, err := parseDiagMessages(doneMsg(7, nlmFMultiForTest), 7, sctpQueries[0], nil); !done || err != nil {
		t.Errorf("plain NLMSG_DONE: done %v, err %v", done, err)
	}
}

// Where the kernel lists SCTP, listening endpoints of both families are
// listed with Proto "sctp"; an endpoint in another state (bound, not
// listening: TCP_CLOSE) is not.
func TestDumpListsSCTP(t *testing.T) {
	f := fakeWorld()
	f.sctpErrno = 0
	f.socks[afInet*1000+ipprotoSCTP] = []Socket{{Address: netip.MustParseAddr("192.0.2.1"), Port: 3868, Inode: 11, UID: 5}}
	f.socks[afInet6*1000+ipprotoSCTP] = []Socket{{Address: netip.IPv6Unspecified(), Port: 2905, Inode: 12}}
	var d diagDumper
	got, err := d.dump(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 || f.sctpDumps != 2 {
		t.Fatalf("%d sockets after %d SCTP dumps, want 8 after 2: %+v", len(got), f.sctpDumps, got)
	}
	v4, v6 := got[6], got[7]
	if v4.Proto != SCTP || v4.Family != IPv4 || v4.Port != 3868 || v4.Inode != 11 || v4.UID != 5 || v4.Address.String() != "192.0.2.1" {
		t.Errorf("SCTP/IPv4 %+v", v4)
	}
	if v6.Proto != SCTP || v6.Family != IPv6 || v6.Port != 2905 || v6.Inode != 12 {
		t.Errorf("SCTP/IPv6 %+v", v6)
	}
	closed := diagMsg(1, 0, afInet, stateTCPClose, netip.MustParseAddr("192.0.2.1"), 3868, 0, 13)
	if out, _, _, _ := parseDiagMessages(closed, 1, sctpQueries[0], nil); len(out) != 0 {
		t.Errorf("a bound, not listening SCTP endpoint was listed: %+v", out)
	}
}

// A kernel without SCTP is asked once: the answers that say so (ENOENT from
// a missing module, EINVAL and EPROTONOSUPPORT from older kernels) turn
// SCTP off for the dumper, the scan keeps its TCP and UDP sockets, and the
// next dumps do not ask. Another error is the scan's error, and SCTP is
// asked again next time.
func TestDumpAsksSCTPOnce(t *testing.T) {
	for _, errno := range []int32{linuxENOENT, linuxEINVAL, linuxEPROTONOSUPPORT} {
		f := fakeWorld()
		f.sctpErrno = errno
		var d diagDumper
		for i := range 3 {
			got, err := d.dump(f, nil)
			if err != nil || len(got) != 6 {
				t.Fatalf("errno %d, dump %d: %d sockets, err %v; want the 6 TCP and UDP ones", errno, i, len(got), err)
			}
		}
		if f.sctpDumps != 1 || !d.noSCTP {
			t.Errorf("errno %d: %d SCTP dumps in 3 scans (noSCTP %v), want 1", errno, f.sctpDumps, d.noSCTP)
		}
	}
	f := fakeWorld()
	f.sctpErrno = int32(syscall.Errno(13)) // EACCES
	var d diagDumper
	if _, err := d.dump(f, nil); err == nil || d.noSCTP {
		t.Errorf("EACCES: err %v, noSCTP %v; want the error, SCTP still asked", err, d.noSCTP)
	}
}

// Where the sctp module is not loaded, SCTP is not asked at all (asking
// would make the kernel try to load it), and the module is looked for
// again only every sctpRecheckEvery dumps; once loaded, it is asked.
func TestDumpSCTPOnlyWhereLoaded(t *testing.T) {
	f := fakeWorld()
	f.sctpErrno = 0
	loaded, looks := false, 0
	d := diagDumper{sctpLoaded: func() bool { looks++; return loaded }}
	for range sctpRecheckEvery + 1 {
		if _, err := d.dump(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	if f.sctpDumps != 0 || looks != 1 {
		t.Fatalf("module absent: %d SCTP dumps, looked %d times in %d scans; want none, once", f.sctpDumps, looks, sctpRecheckEvery+1)
	}
	loaded = true
	if _, err := d.dump(f, nil); err != nil {
		t.Fatal(err)
	}
	if looks != 2 || f.sctpDumps != 2 {
		t.Errorf("module loaded: looked %d times, %d SCTP dumps; want 2 and 2 (both families)", looks, f.sctpDumps)
	}
}
