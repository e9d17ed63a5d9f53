package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portlight/content"
	"portlight/internal/testrig"
	"portlight/monitor/policy"
)

// listenTCP binds a real TCP listener on loopback for the test's life.
func listenTCP(t *testing.T, network, addr string) (net.Listener, uint16) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, uint16(ln.Addr().(*net.TCPAddr).Port)
}

func run(t *testing.T, ctx context.Context, name string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(ctx, name, Env{Args: args, Stdout: &out, Stderr: &errOut})
	if errOut.Len() > 0 {
		t.Logf("%s stderr: %s", name, errOut.String())
	}
	return out.String(), err
}

// requireKeys fails unless m has every key.
func requireKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: missing JSON field %q in %v", what, k, m)
		}
	}
}

func TestScanJSONFindsOwnListener(t *testing.T) {
	_, port := listenTCP(t, "tcp4", "127.0.0.1:0")
	out, err := run(t, context.Background(), "scan", "--json")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	var doc struct {
		Listeners []map[string]any `json:"listeners"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("scan --json is not JSON: %v\n%s", err, out)
	}
	var mine map[string]any
	for _, l := range doc.Listeners {
		requireKeys(t, "listener", l, "proto", "family", "address", "port", "exposure", "pid",
			"owner_hidden", "uid", "user", "exe", "name", "cmdline", "port_info", "verdict")
		if l["port"] == float64(port) && l["proto"] == "tcp" {
			mine = l
		}
	}
	if mine == nil {
		t.Fatalf("scan did not list our listener on %d/tcp:\n%s", port, out)
	}
	if mine["pid"] != float64(os.Getpid()) || mine["exposure"] != "loopback" || mine["family"] != "ipv4" ||
		mine["address"] != "127.0.0.1" || mine["owner_hidden"] != false {
		t.Errorf("our listener reported wrong: %v", mine)
	}
	if nets, ok := mine["reach_networks"].([]any); mine["reach"] != "this-computer" || !ok || len(nets) != 0 {
		t.Errorf("our loopback listener's reach: %v %v", mine["reach"], mine["reach_networks"])
	}
	self, _ := os.Executable()
	if mine["exe"] != self {
		t.Errorf("exe = %v, want %s", mine["exe"], self)
	}
	pi := mine["port_info"].(map[string]any)
	requireKeys(t, "port_info", pi, "port", "proto", "range", "status", "services", "unofficial")
	if pi["port"] != float64(port) || pi["proto"] != "tcp" {
		t.Errorf("port_info for the wrong port: %v", pi)
	}
	v := mine["verdict"].(map[string]any)
	requireKeys(t, "verdict", v, "alert", "reasons")
	if rs, ok := v["reasons"].([]any); !ok || len(rs) == 0 {
		t.Errorf("verdict without reasons: %v", v)
	}
}

func TestScanTextShowsListener(t *testing.T) {
	_, port := listenTCP(t, "tcp6", "[::1]:0")
	out, err := run(t, context.Background(), "scan")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	want := regexp.MustCompile(`(?m)^tcp\s+::1\s+` + strconv.Itoa(int(port)) + `\s+loopback\s+` + strconv.Itoa(os.Getpid()) + `\s`)
	if !want.MatchString(out) || !strings.HasPrefix(out, "PROTO") {
		t.Fatalf("scan text lacks %s:\n%s", want, out)
	}
}

func TestExplainJSON(t *testing.T) {
	_, port := listenTCP(t, "tcp4", "127.0.0.1:0")
	out, err := run(t, context.Background(), "explain", strconv.Itoa(int(port)), "--json")
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	requireKeys(t, "explain", doc, "port", "proto", "range", "status", "services", "unofficial", "checks", "listeners")
	checks := doc["checks"].([]any)
	n := strconv.Itoa(int(port))
	var oses []string
	for _, c := range checks {
		cm := c.(map[string]any)
		oses = append(oses, cm["os"].(string))
		if cmd := cm["command"].(string); !strings.Contains(cmd, n) && !strings.Contains(cmd, "<PID>") {
			t.Errorf("check %q does not name port %s", cmd, n)
		}
	}
	for _, os := range []string{"linux", "macos", "windows"} {
		if !strings.Contains(strings.Join(oses, " "), os) {
			t.Errorf("no check for %s in %v", os, oses)
		}
	}
	ls := doc["listeners"].([]any)
	if len(ls) != 1 || ls[0].(map[string]any)["pid"] != float64(os.Getpid()) {
		t.Errorf("explain listeners = %v, want our own process", ls)
	}
}

// TestExplainJSONSaysTheText runs explain twice on the same port, once for
// JSON and once for text, and checks the JSON's explanation carries the
// sentences the text prints under the same headings: one wording of the facts.
func TestExplainJSONSaysTheText(t *testing.T) {
	_, port := listenTCP(t, "tcp4", "127.0.0.1:0")
	titles := content.Explain(content.Input{})
	for _, arg := range []string{strconv.Itoa(int(port)), "4444", "24", "50000/udp"} {
		out, err := run(t, context.Background(), "explain", arg, "--json")
		if err != nil {
			t.Fatalf("explain %s --json: %v", arg, err)
		}
		var doc struct {
			Explanation map[string]any `json:"explanation"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		text, err := run(t, context.Background(), "explain", arg)
		if err != nil {
			t.Fatalf("explain %s: %v", arg, err)
		}
		if len(doc.Explanation) != 3 {
			t.Errorf("explain %s: explanation has fields %v, want what, range, why", arg, doc.Explanation)
		}
		for field, key := range map[string]string{"what": content.KeyWhat, "range": content.KeyRange, "why": content.KeyMatters} {
			got, ok := doc.Explanation[field].(string)
			want := textSection(text, titles.Section(key).Title)
			if !ok || got == "" || got != want {
				t.Errorf("explain %s: JSON %s = %q, the text says %q", arg, field, doc.Explanation[field], want)
			}
		}
		if arg == strconv.Itoa(int(port)) && !strings.Contains(doc.Explanation["why"].(string), "Only programs on this computer") {
			t.Errorf("explain %s: why %q does not follow our loopback listener", arg, doc.Explanation["why"])
		}
	}
}

// textSection joins with spaces the lines of the text report's section
// under title, up to the blank line that ends it.
func textSection(report, title string) string {
	head := "\n" + title + "\n" + strings.Repeat("-", len([]rune(title))) + "\n"
	_, rest, ok := strings.Cut(report, head)
	if !ok {
		return ""
	}
	body, _, _ := strings.Cut(rest, "\n\n")
	return strings.Join(strings.Split(strings.TrimSuffix(body, "\n"), "\n"), " ")
}

func TestExplainKnownPorts(t *testing.T) {
	for _, tc := range []struct{ arg, want []string }{
		{[]string{"4444"}, []string{"krb524", "unauthorized use", "DarkVishnya", "ss -tlnp 'sport = :4444'", `tasklist /FI "PID eq <PID>"`}},
		{[]string{"31337/tcp"}, []string{"31337/tcp", "eldim", "Back Orifice"}},
		{[]string{"31337/udp"}, []string{"31337/udp", "ss -ulnp"}},
		{[]string{"--proto", "udp", "12345"}, []string{"12345/udp", "italk"}},
		{[]string{"2905/sctp"}, []string{"2905/sctp", "m3ua"}},
		{[]string{"--proto", "SCTP", "2905"}, []string{"2905/sctp", "m3ua"}},
		{[]string{"50000"}, []string{"49152–65535"}},
	} {
		out, err := run(t, context.Background(), "explain", tc.arg...)
		if err != nil {
			t.Fatalf("explain %v: %v", tc.arg, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("explain %v lacks %q", tc.arg, w)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"explain"}, {"explain", "70000"}, {"explain", "22/icmp"}, {"explain", "x"}, {"scan", "--bogus"}, {"watch", "--interval", "1ns"}} {
		_, err := run(t, context.Background(), args[0], args[1:]...)
		if !errors.Is(err, ErrUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	if _, err := run(t, context.Background(), "nosuch"); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown command: %v", err)
	}
}

// TestWatchJSONEvents runs the real watch loop, opens and closes a real
// listener, and reads the opened and closed JSON lines.
func TestWatchJSONEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, marker := listenTCP(t, "tcp4", "127.0.0.1:0") // in watch's first scan
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "watch", Env{Args: []string{"--interval", "50ms", "--json"}, Stdout: pw, Stderr: io.Discard})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() map[string]any {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("watch ended early: %v", lines.Err())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("watch line is not JSON: %v: %s", err, lines.Bytes())
		}
		requireKeys(t, "watch line", m, "time", "host", "event", "proto", "port", "address", "exe", "user", "reasons", "listener")
		return m
	}
	// Open the test's listener only after the first scan: once watch has
	// printed the marker's baseline line, that scan is over, so the new
	// listener can only come as a real opened event (a fixed wait lost that
	// race on a loaded machine, and the listener came marked baseline).
	for {
		m := next()
		if m["port"] == float64(marker) && m["proto"] == "tcp" && m["address"] == "127.0.0.1" {
			if m["event"] != "opened" || m["baseline"] != true {
				t.Fatalf("first scan's line for the marker %d/tcp: %v, want opened and baseline", marker, m)
			}
			break
		}
	}
	ln, port := listenTCP(t, "tcp4", "127.0.0.1:0")
	want := func(kind string) {
		t.Helper()
		for {
			m := next()
			if m["port"] == float64(port) && m["event"] == kind {
				if m["baseline"] == true {
					t.Fatalf("%s event marked baseline: %v", kind, m)
				}
				if l := m["listener"].(map[string]any); l["pid"] != float64(os.Getpid()) {
					t.Fatalf("%s event with pid %v, want %d", kind, l["pid"], os.Getpid())
				}
				return
			}
		}
	}
	want("opened")
	ln.Close()
	want("closed")
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("watch: %v", err)
	}
	// watch recorded what it saw in the history database.
	out, err := run(t, context.Background(), "history", "--port", strconv.Itoa(int(port)), "--json")
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	if !strings.Contains(out, `"event":"opened"`) || !strings.Contains(out, `"event":"closed"`) {
		t.Fatalf("history of port %d lacks the opened and closed events:\n%s", port, out)
	}
}

// TestMain gives the package's tests their own settings and history folder,
// so they never read or write the user's.
func TestMain(m *testing.M) {
	if role := os.Getenv(benchRoleEnv); role != "" {
		os.Exit(runBenchRole(role, os.Args[1:]))
	}
	os.Exit(testrig.RunInTempHome(m, "portlight-cli-test-"))
}

func TestEscapeBidi(t *testing.T) {
	var b bytes.Buffer
	in := map[string]string{"name": "evil\u202egnp.exe\u2066x", "plain": "é<>"}
	if err := writeJSON(&b, in); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(b.String(), 0x202e) || strings.ContainsRune(b.String(), 0x2066) {
		t.Fatalf("raw bidi control in JSON: %q", b.String())
	}
	if !strings.Contains(b.String(), `\u202e`) || !strings.Contains(b.String(), "é") {
		t.Fatalf("escape missing or too much escaped: %s", b.String())
	}
	var back map[string]string
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back["name"] != in["name"] || back["plain"] != in["plain"] {
		t.Fatalf("round trip: %v %q", err, back)
	}
}

func TestVerdictLabelEscapesReasons(t *testing.T) {
	got := verdictLabel(policy.Verdict{Alert: true, Reasons: []string{"5432/tcp is usually /usr/bin/a, now /tmp/\x1b]0;pwned\x07x\nfake line"}})
	if strings.ContainsAny(got, "\x1b\x07\n") || !strings.HasPrefix(got, "ALERT: 5432/tcp is usually") {
		t.Fatalf("reason not made safe: %q", got)
	}
}
