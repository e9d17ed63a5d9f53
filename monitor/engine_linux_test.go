package monitor

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// engineAt points the scanner's engine lookup at a stand-in's socket in a
// fresh folder (DOCKER_HOST, and an empty runtime folder for Podman's).
func engineAt(t *testing.T, cs []testrig.EngineContainer) *testrig.Engine {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	e := testrig.StartEngine(t, sock, cs)
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return e
}

// scanEngineT scans, waits for the engine query that scan started (a scan
// never waits on it), and scans again: the answer is in the snapshot
// returned.
func scanEngineT(t *testing.T, sc *Scanner) Snapshot {
	t.Helper()
	scanOnceT(t, sc)
	sc.eng.wait()
	return scanOnceT(t, sc)
}

// The real scanner asks a stand-in engine (the Docker Engine API's JSON on
// a unix socket): the port a real docker-proxy stand-in serves gets the
// container's name and image; ports published with no host process appear
// as listeners of their own; a second scan and a refresh with the same
// answer change nothing; a container gone closes its ports.
func TestEnginePublishedPorts(t *testing.T) {
	proxyPort, natPort := testrig.FreeTCPPort(t), testrig.FreeTCPPort(t)
	web := testrig.EngineContainer{ID: "8dfafdbc3a40aa", Name: "web", Image: "nginx:1.25",
		Ports: []testrig.EnginePort{{IP: "127.0.0.1", PrivatePort: 80, PublicPort: proxyPort, Type: "tcp"}, {PrivatePort: 443, Type: "tcp"}}}
	db := testrig.EngineContainer{ID: "9cd87474be90bb", Name: "db", Image: "postgres:16",
		Ports: []testrig.EnginePort{{IP: "0.0.0.0", PrivatePort: 5432, PublicPort: natPort, Type: "tcp"},
			{IP: "::", PrivatePort: 5432, PublicPort: natPort, Type: "tcp"}}}
	eng := engineAt(t, []testrig.EngineContainer{web, db})
	proxy := startChildCmd(t, startAs(t, "docker-proxy", "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port",
		strconv.Itoa(int(proxyPort)), "-container-ip", "172.17.0.2", "-container-port", "80"),
		"tcp4 127.0.0.1:"+strconv.Itoa(int(proxyPort)))

	sc := NewScanner()
	defer sc.Close()
	snap := scanEngineT(t, sc)
	h := findPort(snap, TCP, proxyPort)
	wantWeb := Published{Engine: "docker", Container: "web", ContainerID: web.ID, Image: "nginx:1.25",
		HostIP: "127.0.0.1", HostPort: proxyPort, ContainerPort: 80}
	if len(h) != 1 || h[0].PID != proxy.pid || h[0].Published == nil || *h[0].Published != wantWeb {
		t.Fatalf("docker-proxy's listener %+v, want pid %d published %+v", h, proxy.pid, wantWeb)
	}
	nat := findPort(snap, TCP, natPort)
	if len(nat) != 2 {
		t.Fatalf("port %d published with no host process: %+v, want 0.0.0.0 and ::", natPort, nat)
	}
	for _, l := range nat {
		p := l.Published
		if p == nil || !p.NAT || p.Container != "db" || p.Image != "postgres:16" || p.ContainerPort != 5432 ||
			l.PID != 0 || l.OwnerHidden || l.Exposure != Network || l.Name != "docker" || l.UID != uint32(os.Geteuid()) ||
			l.Container == nil || l.Container.Name != "db" || l.Container.ID != db.ID || l.Address != p.HostIP {
			t.Errorf("NAT-published %+v (published %+v)", l, p)
		}
	}
	if st := sc.Engines(); len(st) != 1 || !st[0].Reachable || st[0].Name != "docker" || st[0].Socket != eng.Path {
		t.Errorf("Engines = %+v", st)
	}

	ours := func(evs []Event) []Event {
		var out []Event
		for _, e := range evs {
			if e.Listener.Port == natPort || e.Listener.Port == proxyPort {
				out = append(out, e)
			}
		}
		return out
	}
	snap2 := scanOnceT(t, sc)
	if evs := ours(Diff(snap, snap2)); len(evs) != 0 || eng.Queries() != 1 {
		t.Errorf("a second scan at once: events %+v, %d queries (want none, 1)", evs, eng.Queries())
	}
	sc.eng.at = time.Now().Add(-engineEvery) // the next scan asks again
	snap3 := scanEngineT(t, sc)
	if evs := ours(Diff(snap2, snap3)); len(evs) != 0 || eng.Queries() != 2 {
		t.Errorf("the same answer again: events %+v, %d queries (want none, 2)", evs, eng.Queries())
	}
	eng.Set([]testrig.EngineContainer{web})
	sc.eng.at = time.Now().Add(-engineEvery)
	snap4 := scanEngineT(t, sc)
	evs := ours(Diff(snap3, snap4))
	if len(evs) != 2 || evs[0].Kind != Closed || evs[1].Kind != Closed || evs[0].Listener.Port != natPort {
		t.Errorf("container db stopped: events %+v, want its two ports closed", evs)
	}
}

// A socket another user controls is not asked: owned by another uid, or in
// a folder anyone may write to (not sticky).
func TestEngineSocketUntrusted(t *testing.T) {
	natPort := testrig.FreeTCPPort(t)
	cs := []testrig.EngineContainer{{ID: "aa", Name: "x", Image: "y",
		Ports: []testrig.EnginePort{{IP: "0.0.0.0", PrivatePort: 1, PublicPort: natPort, Type: "tcp"}}}}
	for _, c := range []struct {
		name, want string
		spoil      func(t *testing.T, e *testrig.Engine)
	}{
		{"owned by another user", "owned by uid 12345", func(t *testing.T, e *testrig.Engine) {
			testrig.RequireRoot(t, "to give the socket to another user")
			if err := os.Chown(e.Path, 12345, 12345); err != nil {
				t.Fatal(err)
			}
		}},
		{"in a folder anyone may write to", "controlled by another user", func(t *testing.T, e *testrig.Engine) {
			if err := os.Chmod(filepath.Dir(e.Path), 0o777); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := engineAt(t, cs)
			c.spoil(t, e)
			sc := NewScanner()
			defer sc.Close()
			snap := scanEngineT(t, sc)
			if ls := findPort(snap, TCP, natPort); len(ls) != 0 || e.Queries() != 0 {
				t.Errorf("untrusted engine believed: %+v, %d queries", ls, e.Queries())
			}
			if st := sc.Engines(); len(st) != 1 || st[0].Reachable || !strings.Contains(st[0].Reason, c.want) {
				t.Errorf("Engines = %+v, want unreachable: %q", st, c.want)
			}
		})
	}
}

// An engine whose socket becomes untrusted (its folder made writable by
// anyone) loses the ports it published at the next refresh, not one later.
func TestEngineSocketTurnsUntrusted(t *testing.T) {
	natPort := testrig.FreeTCPPort(t)
	e := engineAt(t, []testrig.EngineContainer{{ID: "aa", Name: "x", Image: "y",
		Ports: []testrig.EnginePort{{IP: "127.0.0.1", PrivatePort: 1, PublicPort: natPort, Type: "tcp"}}}})
	sc := NewScanner()
	defer sc.Close()
	if ls := findPort(scanEngineT(t, sc), TCP, natPort); len(ls) != 1 || ls[0].Published == nil {
		t.Fatalf("trusted engine's NAT port %d: %+v", natPort, ls)
	}
	if err := os.Chmod(filepath.Dir(e.Path), 0o777); err != nil {
		t.Fatal(err)
	}
	sc.eng.at = time.Now().Add(-engineEvery)
	if ls := findPort(scanEngineT(t, sc), TCP, natPort); len(ls) != 0 {
		t.Errorf("engine's socket untrusted now, its port still listed: %+v", ls)
	}
	if st := sc.Engines(); len(st) != 1 || st[0].Reachable {
		t.Errorf("Engines = %+v, want unreachable", st)
	}
}

// An engine socket that accepts and never answers (a hung dockerd, or a
// socket planted to stall Portlight) does not stall the scans: the query
// runs beside them, one at a time, and a scan returns at once.
func TestEngineHungDoesNotStallScan(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		var held []net.Conn // accepted, never read nor answered
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			held = append(held, c)
		}
	}()
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	sc := NewScanner()
	defer sc.Close()
	for i := range 3 {
		start := time.Now()
		scanOnceT(t, sc)
		sc.eng.at = time.Now().Add(-engineEvery) // due again: but one query at a time
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("scan %d took %v with the engine not answering (its timeout is %v)", i, d, engineTimeout)
		}
	}
	for deadline := time.Now().Add(engineTimeout); accepted.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("%d connections to the hung engine, want 1 (one query in flight)", n)
	}
	sc.eng.mu.Lock()
	busy := sc.eng.busy
	sc.eng.mu.Unlock()
	if !busy {
		t.Error("the query of the hung engine ended before its timeout")
	}
}

// A program merely named conmon (the test binary, copied as conmon into a
// temporary folder) is not taken for rootful Podman's: its listener on a
// published port gets no published mark and is not said to be a NAT
// reservation no host program serves.
func TestEngineFakeConmon(t *testing.T) {
	port := testrig.FreeTCPPort(t)
	engineAt(t, []testrig.EngineContainer{{ID: "cc", Name: "web", Image: "nginx",
		Ports: []testrig.EnginePort{{IP: "127.0.0.1", PrivatePort: 80, PublicPort: port, Type: "tcp"}}}})
	fake := startChildCmd(t, startAs(t, "conmon"), "tcp4 127.0.0.1:"+strconv.Itoa(int(port)))
	sc := NewScanner()
	defer sc.Close()
	found := false
	for _, l := range findPort(scanEngineT(t, sc), TCP, port) {
		if l.PID == fake.pid {
			found = true
			if l.Published != nil {
				t.Errorf("a program named conmon in %s got published %+v", filepath.Dir(l.Exe), *l.Published)
			}
		}
	}
	if !found {
		t.Fatalf("the fake conmon's listener on port %d not found", port)
	}
}

// A rootless engine (its socket owned by an ordinary user, so any program
// of that user can serve it) speaks only for that user's listeners: the
// scanner, as nobody, asks a socket nobody owns; root's listener on a port
// it claims (hidden from nobody) gets no published mark, a port it claims
// that no host program holds gets no NAT entry, and nobody's own forwarder
// is enriched (the answer was read).
func TestEngineRootlessSpeaksForItsUser(t *testing.T) {
	testrig.RequireRoot(t, "to run the scanner as nobody beside root's listener")
	exe, env := testrig.NobodyExe(t)
	dir := filepath.Dir(exe)
	sockDir := filepath.Join(dir, "engine")
	if err := os.Mkdir(sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rootL := startChild(t, "tcp4 127.0.0.1:0")
	rootPort, natPort, proxyPort := rootL.bound[0].port, testrig.FreeTCPPort(t), testrig.FreeTCPPort(t)
	sock := filepath.Join(sockDir, "docker.sock")
	testrig.StartEngine(t, sock, []testrig.EngineContainer{{ID: "dd", Name: "claims", Image: "evil",
		Ports: []testrig.EnginePort{{IP: "127.0.0.1", PrivatePort: 1, PublicPort: rootPort, Type: "tcp"},
			{IP: "127.0.0.1", PrivatePort: 2, PublicPort: natPort, Type: "tcp"},
			{IP: "127.0.0.1", PrivatePort: 3, PublicPort: proxyPort, Type: "tcp"}}}})
	if err := os.Chown(sock, testrig.NobodyUID, testrig.NobodyUID); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	proxyExe := filepath.Join(dir, "docker-proxy")
	if err := os.WriteFile(proxyExe, src, 0o755); err != nil {
		t.Fatal(err)
	}
	pcmd := testrig.AsNobody(exec.Command(proxyExe, "-proto", "tcp", "-host-ip", "127.0.0.1", "-host-port",
		strconv.Itoa(int(proxyPort)), "-container-ip", "172.17.0.2", "-container-port", "3"))
	pcmd.Env, pcmd.Dir = append(slices.Clone(env), roleEnv+"=child"), "/"
	proxy := startChildCmd(t, pcmd, "tcp4 127.0.0.1:"+strconv.Itoa(int(proxyPort)))

	scan := testrig.AsNobody(exec.Command(exe))
	scan.Env, scan.Dir = append(slices.Clone(env), roleEnv+"=scan", "DOCKER_HOST=unix://"+sock), "/"
	var stderr strings.Builder
	scan.Stderr = &stderr
	raw, err := scan.Output()
	if err != nil {
		t.Fatalf("scan as nobody: %v\n%s", err, stderr.String())
	}
	var r scanAsReport
	if err := json.Unmarshal(raw, &r); err != nil || r.Error != "" {
		t.Fatalf("scan as nobody: %v %s", err, r.Error)
	}
	if ls := findPort(r.Snapshot, TCP, proxyPort); len(ls) != 1 || ls[0].PID != proxy.pid || ls[0].Published == nil ||
		ls[0].Published.Container != "claims" {
		t.Fatalf("nobody's docker-proxy on port %d: %+v, want published by the engine", proxyPort, ls)
	}
	ls := findPort(r.Snapshot, TCP, rootPort)
	if len(ls) != 1 || !ls[0].OwnerHidden || ls[0].UID != 0 {
		t.Fatalf("root's listener on port %d seen by nobody: %+v, want hidden", rootPort, ls)
	}
	if ls[0].Published != nil {
		t.Errorf("root's listener published by nobody's engine: %+v", *ls[0].Published)
	}
	if ls := findPort(r.Snapshot, TCP, natPort); len(ls) != 0 {
		t.Errorf("a NAT-only port of a rootless engine listed: %+v", ls)
	}
}

// Cost of one query of an engine running 50 containers, two published
// ports each (decode, flatten; the connection is kept between queries).
func BenchmarkEngineQuery(b *testing.B) {
	var cs []testrig.EngineContainer
	for i := range 50 {
		cs = append(cs, testrig.EngineContainer{ID: strconv.Itoa(1000000 + i), Name: "c" + strconv.Itoa(i), Image: "nginx:1.25",
			Ports: []testrig.EnginePort{{IP: "0.0.0.0", PrivatePort: 80, PublicPort: uint16(20000 + i), Type: "tcp"},
				{IP: "::", PrivatePort: 80, PublicPort: uint16(20000 + i), Type: "tcp"}}})
	}
	sock := filepath.Join(b.TempDir(), "docker.sock")
	testrig.StartEngine(b, sock, cs)
	e := newEngines([]engineSocket{{name: "docker", path: sock}}, newEngineChecker())
	defer e.close()
	b.ReportAllocs()
	for b.Loop() {
		e.refresh(context.Background())
		if len(e.all) != 100 {
			b.Fatalf("%d ports", len(e.all))
		}
	}
}

// The client's own share of BenchmarkEngineQuery (whose figure includes the
// stand-in's encoding, in the same process): decoding and flattening the
// answer of 50 containers.
func BenchmarkEngineDecode(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 50 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`{"Id":"` + strconv.Itoa(1000000+i) + `","Names":["/c` + strconv.Itoa(i) + `"],"Image":"nginx:1.25","ImageID":"sha256:9c7a54a9a43c","Command":"nginx -g 'daemon off;'","Created":1717000000,"State":"running","Status":"Up 5 minutes","Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":` +
			strconv.Itoa(20000+i) + `,"Type":"tcp"},{"IP":"::","PrivatePort":80,"PublicPort":` + strconv.Itoa(20000+i) +
			`,"Type":"tcp"}],"Labels":{"com.docker.compose.project":"web"},"HostConfig":{"NetworkMode":"bridge"},"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.2"}}},"Mounts":[]}`)
	}
	sb.WriteString("]")
	body := sb.String()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		cs, err := decodeContainers(strings.NewReader(body))
		if err != nil || len(publishedPorts("docker", cs)) != 100 {
			b.Fatal(err)
		}
	}
}

// With no engine socket there (a missing path, a plain file), a scan's
// query is answered at once, without a goroutine; once a socket is there,
// the next query asks it.
func TestEngineNoneThereNoQuery(t *testing.T) {
	dir := t.TempDir()
	sock, plain := filepath.Join(dir, "docker.sock"), filepath.Join(dir, "podman.sock")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEngines([]engineSocket{{name: "docker", path: sock}, {name: "podman", path: plain}}, newEngineChecker())
	defer e.close()
	clock := time.Now()
	e.now = func() time.Time { return clock }
	if all, _ := e.published(true); len(all) != 0 || e.busy || e.done != nil {
		t.Fatalf("no engine socket: ports %v, query started %v", all, e.busy || e.done != nil)
	}
	web := testrig.EngineContainer{ID: "8dfafdbc3a40aa", Name: "web", Image: "nginx:1.25",
		Ports: []testrig.EnginePort{{IP: "0.0.0.0", PrivatePort: 80, PublicPort: 18080, Type: "tcp"}}}
	testrig.StartEngine(t, sock, []testrig.EngineContainer{web})
	clock = clock.Add(engineEvery)
	e.published(false)
	if e.done == nil {
		t.Fatal("an engine socket appeared: no query started")
	}
	e.wait()
	if all, _ := e.published(false); len(all) != 1 || all[0].HostPort != 18080 {
		t.Fatalf("after the query: %+v, want port 18080 published", all)
	}
}

// A link at an engine's socket path, or a path on a file system that is not
// local (here /proc, standing in for a network home folder), is not
// "absent": the tick does not follow it or wait on it, and the query, off
// the tick, looks at it the ordinary way.
func TestEngineAbsentOnlyLocalAndNoLink(t *testing.T) {
	dir := t.TempDir()
	c := unixChecker{uid: uint32(os.Geteuid())}
	missing := engineSocket{name: "docker", path: filepath.Join(dir, "docker.sock")}
	if !c.absent(missing) {
		t.Skipf("%s: nothing there, but not absent (not a local file system?)", dir)
	}
	link := filepath.Join(dir, "link.sock")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), link); err != nil {
		t.Fatal(err)
	}
	if c.absent(engineSocket{name: "docker", path: link}) {
		t.Error("a dangling link at the socket path called absent")
	}
	if c.absent(engineSocket{name: "podman", path: "/proc/self/no-such.sock"}) {
		t.Error("a path on /proc called absent")
	}
}
