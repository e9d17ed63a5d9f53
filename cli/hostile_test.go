//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/sys/unix"

	"portlight/internal/testrig"
	"portlight/monitor/policy"
)

// A process can name itself anything: its executable's file name, its
// argv[0], its arguments and its kernel name (comm) are all chosen by it.
// These tests start real processes of this test binary with hostile names,
// let them bind real listeners, and check what `portlight scan` and
// `portlight explain` print about them.

// hostileRoleEnv makes the test binary a listener process (see init).
const (
	hostileRoleEnv = "PORTLIGHT_HOSTILE_ROLE"
	hostileCommEnv = "PORTLIGHT_HOSTILE_COMM"
)

func init() {
	if os.Getenv(hostileRoleEnv) == "listen" {
		os.Exit(runHostileListener())
	}
}

// runHostileListener sets its kernel name to $PORTLIGHT_HOSTILE_COMM, binds a
// TCP listener on 127.0.0.1 and a UDP socket on ::1 (ports from its first
// argument "TCP,UDP", 0 for any), prints "ports TCP UDP" and holds them until
// stdin closes.
func runHostileListener() int {
	if c := os.Getenv(hostileCommEnv); c != "" {
		// PR_SET_NAME takes up to 15 bytes; any bytes but NUL.
		b := append([]byte(c), 0)
		if err := unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&b[0])), 0, 0, 0); err != nil {
			fmt.Fprintln(os.Stderr, "prctl:", err)
			return 1
		}
	}
	tcpPort, udpPort := "0", "0"
	for _, a := range os.Args[1:] {
		if p, ok := strings.CutPrefix(a, "--ports="); ok {
			tcpPort, udpPort, _ = strings.Cut(p, ",")
		}
	}
	l, err := net.Listen("tcp4", "127.0.0.1:"+tcpPort)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Close()
	u, err := net.ListenPacket("udp6", "[::1]:"+udpPort)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer u.Close()
	fmt.Printf("ports %d %d\n", l.Addr().(*net.TCPAddr).Port, u.LocalAddr().(*net.UDPAddr).Port)
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// Hostile text, each piece one trick.
const (
	markup  = `<b>bold</b> <a href="https://evil.example/?a=1&b=2">click</a> &amp; & <i>`
	ansi    = "\x1b[31mRED\x1b[0m \x1b]0;pwned title\x07 \x1b[2J\x1b[H"
	lines   = "line1\nline2\r\nFAKE\tcolumn"
	rtl     = "\u202Etxt.exe\u202C \u2066iso\u2069"
	badUTF8 = "bad\xff\xfe\xc3(utf8"
)

// hostile is the whole collection, plus a long tail.
func hostile(n int) string {
	return markup + " " + ansi + " " + lines + " " + rtl + " " + badUTF8 + " " + strings.Repeat("A", n)
}

// hostileProc is a running listener process.
type hostileProc struct {
	cmd      *exec.Cmd
	in       io.WriteCloser
	pid      int
	tcp, udp uint16
	exe      string   // its executable's path
	argv     []string // its argv
}

// startHostile starts exe with argv and kernel name comm; it binds the given
// ports (0: any).
func startHostile(t *testing.T, exe string, argv []string, comm string, tcp, udp uint16) *hostileProc {
	t.Helper()
	argv = append(argv, fmt.Sprintf("--ports=%d,%d", tcp, udp))
	cmd := &exec.Cmd{Path: exe, Args: argv, Stderr: os.Stderr,
		Env: append(os.Environ(), hostileRoleEnv+"=listen", hostileCommEnv+"="+comm)}
	testrig.DieWithParent(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %q: %v", exe, err)
	}
	p := &hostileProc{cmd: cmd, in: in, pid: cmd.Process.Pid, exe: exe, argv: argv}
	t.Cleanup(p.stop)
	line, err := bufio.NewReader(out).ReadString('\n')
	if _, err2 := fmt.Sscanf(line, "ports %d %d", &p.tcp, &p.udp); err != nil || err2 != nil {
		t.Fatalf("listener process said %q: %v %v", line, err, err2)
	}
	return p
}

func (p *hostileProc) stop() {
	if p.cmd.ProcessState == nil {
		p.in.Close()
		p.cmd.Wait()
	}
}

// hostileExe copies the test binary to a path made of hostile directory and
// file names (no '/' or NUL, each at most 255 bytes), about 3 KB long.
func hostileExe(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{
		"<b>" + ansi + "&",
		lines,
		rtl + badUTF8,
		strings.Repeat("D", 250), strings.Repeat("E", 250), strings.Repeat("F", 250),
		strings.Repeat("G", 250), strings.Repeat("H", 250), strings.Repeat("I", 250),
		strings.Repeat("J", 250), strings.Repeat("K", 250), strings.Repeat("L", 250),
	} {
		dir = filepath.Join(dir, name)
	}
	return testrig.CopySelf(t, dir, "x<b>\x1b[31m\n\u202e\xff&"+strings.Repeat("N", 150))
}

// hostileCases are the processes the tests run: a hostile argv[0] and
// arguments of 10 KB on the normal binary, and the binary copied to a
// hostile path. Both set a hostile kernel name.
func hostileCases(t *testing.T) map[string]func(tcp, udp uint16) *hostileProc {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	comm := "\x1b[31m<b>\n\u202e&\xff" // 15 bytes
	return map[string]func(tcp, udp uint16) *hostileProc{
		"argv": func(tcp, udp uint16) *hostileProc {
			// Long, yet each argument within the scanner's 4 KiB bound per
			// argument (the monitor's tests cover the cut), so the whole
			// command line must round-trip.
			long := hostile(3 << 10)
			return startHostile(t, self, []string{long, long, long, long, long, "--flag=" + hostile(100)}, comm, tcp, udp)
		},
		"exe": func(tcp, udp uint16) *hostileProc {
			exe := hostileExe(t)
			return startHostile(t, exe, []string{exe, lines + rtl}, comm, tcp, udp)
		},
	}
}

// checkSafeText fails on anything a terminal could act on: invalid UTF-8,
// ESC or other control characters but '\n', bidi controls; and on lines
// longer than maxLine runes or any trace of the 10 KB tail.
func checkSafeText(t *testing.T, what, out string, maxLine int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: invalid UTF-8", what)
	}
	for i, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > maxLine {
			t.Errorf("%s: line %d has %d runes, want at most %d", what, i+1, n, maxLine)
		}
		for _, r := range line {
			if r == 0x1b || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Errorf("%s: line %d holds %U: %q", what, i+1, r, line)
				break
			}
		}
	}
	if strings.Contains(out, strings.Repeat("A", 1000)) {
		t.Errorf("%s: the 10 KB name is printed unbounded", what)
	}
}

// jsonString is what encoding/json makes of s: each byte of invalid UTF-8
// becomes U+FFFD.
func jsonString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for a bad byte
		i += n
	}
	return b.String()
}

func TestHostileNamesScanText(t *testing.T) {
	row := regexp.MustCompile(`^(tcp|udp)\s+\S+\s+\d+\s+(loopback|network)\s+(\d+|-)\s+\S`)
	for name, start := range hostileCases(t) {
		t.Run(name, func(t *testing.T) {
			p := start(0, 0)
			out, err := run(t, context.Background(), "scan")
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			checkSafeText(t, "scan", out, 400)
			mine := 0
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if i == 0 {
					continue // the header
				}
				if !row.MatchString(line) {
					t.Errorf("scan line %d is not a listener row: %q", i+1, line)
				}
				f := strings.Fields(line)
				if (f[2] == strconv.Itoa(int(p.tcp)) || f[2] == strconv.Itoa(int(p.udp))) && f[4] == strconv.Itoa(p.pid) {
					mine++
				}
			}
			if mine != 2 {
				t.Errorf("scan shows %d rows for the hostile process's two sockets, want 2:\n%s", mine, out)
			}
		})
	}
}

func TestHostileNamesScanJSON(t *testing.T) {
	for name, start := range hostileCases(t) {
		t.Run(name, func(t *testing.T) {
			p := start(0, 0)
			out, err := run(t, context.Background(), "scan", "--json")
			if err != nil {
				t.Fatalf("scan --json: %v", err)
			}
			if !utf8.ValidString(out) || !json.Valid([]byte(out)) {
				t.Fatalf("scan --json: not valid UTF-8 JSON")
			}
			if bytes.IndexByte([]byte(out), 0x1b) >= 0 {
				t.Errorf("scan --json: a raw ESC byte")
			}
			var doc ScanOutput
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, l := range doc.Listeners {
				if int(l.PID) != p.pid {
					continue
				}
				found++
				if want := jsonString(p.exe); l.Exe != want {
					t.Errorf("exe %q, want %q", l.Exe, want)
				}
				if want := jsonString(strings.Join(p.argv, " ")); l.Cmdline != want {
					t.Errorf("cmdline (%d bytes) does not round-trip (want %d bytes)", len(l.Cmdline), len(want))
				}
				if l.Name == "" || !utf8.ValidString(l.Name) {
					t.Errorf("name %q", l.Name)
				}
			}
			if found != 2 {
				t.Errorf("scan --json lists %d sockets of pid %d, want 2", found, p.pid)
			}
		})
	}
}

// explain's text for a hostile owner has as many lines as for a plain one
// on the same ports: no name adds a line.
func TestHostileNamesExplainText(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for name, start := range hostileCases(t) {
		t.Run(name, func(t *testing.T) {
			p := start(0, 0)
			port := strconv.Itoa(int(p.tcp))
			out, err := run(t, context.Background(), "explain", port)
			if err != nil {
				t.Fatalf("explain: %v", err)
			}
			checkSafeText(t, "explain", out, 400)
			if !strings.Contains(out, strconv.Itoa(p.pid)) {
				t.Errorf("explain %s does not name pid %d:\n%s", port, p.pid, out)
			}
			tcp, udp := p.tcp, p.udp
			p.stop()
			plain := startHostile(t, self, []string{"plain"}, "", tcp, udp)
			ref, err := run(t, context.Background(), "explain", port)
			if err != nil {
				t.Fatalf("explain: %v", err)
			}
			plain.stop()
			// The name a process gives itself is a fact of its own when it
			// is not its file's ("It calls itself …", and the signal that
			// says so with its advice): those lines aside, no name adds one.
			named := func(s string) int {
				n := 0
				for _, l := range strings.Split(s, "\n") {
					if !strings.HasPrefix(l, "It calls itself") && !strings.HasPrefix(l, "Seen: calls itself") && l != policy.Advice(policy.TriggerNameMimics) {
						n++
					}
				}
				return n
			}
			if got, want := named(out), named(ref); got != want {
				t.Errorf("explain %s: %d lines for the hostile owner, %d for a plain one\nhostile:\n%s\nplain:\n%s", port, got, want, out, ref)
			}
		})
	}
}

func TestHostileNamesExplainJSON(t *testing.T) {
	for name, start := range hostileCases(t) {
		t.Run(name, func(t *testing.T) {
			p := start(0, 0)
			out, err := run(t, context.Background(), "explain", strconv.Itoa(int(p.udp)), "--proto", "udp", "--json")
			if err != nil {
				t.Fatalf("explain --json: %v", err)
			}
			if !utf8.ValidString(out) || !json.Valid([]byte(out)) {
				t.Fatalf("explain --json: not valid UTF-8 JSON")
			}
			var doc ExplainOutput
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Listeners) != 1 || int(doc.Listeners[0].PID) != p.pid || doc.Listeners[0].Exe != jsonString(p.exe) {
				t.Errorf("explain --json listeners %+v, want pid %d", doc.Listeners, p.pid)
			}
		})
	}
}

// firstScanMarker binds a loopback TCP listener, to be done before a watch
// starts, and returns the text by which watch's output shows that listener
// in its first scan (text or JSON lines). Output holding it means the first
// scan is over: a listener opened from then on is not part of the baseline.
func firstScanMarker(t *testing.T, asJSON bool) string {
	t.Helper()
	_, port := listenTCP(t, "tcp4", "127.0.0.1:0")
	if asJSON {
		return fmt.Sprintf(`"proto":"tcp","port":%d,"address":"127.0.0.1"`, port)
	}
	return fmt.Sprintf(" %d/tcp 127.0.0.1 ", port)
}

// watch's event lines for a hostile process: one safe line per event in
// text, one valid JSON object per line with --json.
func TestHostileNamesWatch(t *testing.T) {
	for name, start := range hostileCases(t) {
		for _, asJSON := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/json=%v", name, asJSON), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				var out, errOut testrig.SyncBuffer
				marker := firstScanMarker(t, asJSON)
				args := []string{"--interval", "20ms", "--no-history"}
				if asJSON {
					args = append(args, "--json")
				}
				done := make(chan error, 1)
				go func() { done <- Run(ctx, "watch", Env{Args: args, Stdout: &out, Stderr: &errOut}) }()
				// Start the process after the first scan (the marker's
				// baseline line), so its lines are events, not the baseline.
				for !strings.Contains(out.String(), marker) && ctx.Err() == nil {
					time.Sleep(5 * time.Millisecond)
				}
				if ctx.Err() != nil {
					cancel()
					<-done
					t.Fatalf("watch never printed its first scan (marker %q):\n%s\nstderr: %s", marker, out.String(), errOut.String())
				}
				p := start(0, 0)
				pid := "pid=" + strconv.Itoa(p.pid)
				if asJSON {
					pid = fmt.Sprintf(`"pid":%d`, p.pid)
				}
				for strings.Count(out.String(), pid) < 2 && ctx.Err() == nil {
					time.Sleep(20 * time.Millisecond)
				}
				cancel()
				<-done
				text := out.String()
				if n := strings.Count(text, pid); n < 2 {
					t.Fatalf("watch showed %d events of the hostile process:\n%s\nstderr: %s", n, text, errOut.String())
				}
				if !asJSON {
					checkSafeText(t, "watch", text, 600)
					for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
						if !strings.Contains(line, " pid=") {
							t.Errorf("watch line %d is not an event: %q", i+1, line)
						}
						if strings.Contains(line, pid+" ") && strings.Contains(line, "(already listening at start)") {
							t.Errorf("watch line %d: the hostile process, started after the first scan, marked baseline: %q", i+1, line)
						}
					}
					return
				}
				if !utf8.ValidString(text) || strings.ContainsRune(text, 0x1b) {
					t.Errorf("watch --json: invalid UTF-8 or a raw ESC")
				}
				seen := 0
				for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
					var w struct {
						PID      int    `json:"pid"`
						Event    string `json:"event"`
						Baseline bool   `json:"baseline"`
						Listener struct {
							Exe     string `json:"exe"`
							Cmdline string `json:"cmdline"`
						} `json:"listener"`
					}
					if err := json.Unmarshal([]byte(line), &w); err != nil {
						t.Fatalf("watch --json line %d is not one JSON object: %v\n%q", i+1, err, line)
					}
					if w.PID == p.pid {
						seen++
						if w.Baseline {
							t.Errorf("watch --json line %d: the hostile process, started after the first scan, marked baseline", i+1)
						}
						if w.Listener.Exe != jsonString(p.exe) || w.Listener.Cmdline != jsonString(strings.Join(p.argv, " ")) {
							t.Errorf("watch --json line %d (%s): exe %q (want %q), cmdline %d bytes (want %d): does not round-trip",
								i+1, w.Event, w.Listener.Exe, jsonString(p.exe), len(w.Listener.Cmdline), len(jsonString(strings.Join(p.argv, " "))))
						}
					}
				}
				if seen < 2 {
					t.Errorf("watch --json: %d events of the hostile process", seen)
				}
			})
		}
	}
}
