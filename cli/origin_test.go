package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portlight/internal/testrig"
)

// servingPort reads the port from http.server's first line: "Serving HTTP
// on 127.0.0.1 port 43567 (http://127.0.0.1:43567/) ...".
var servingPort = regexp.MustCompile(`port (\d+)`)

// startPackagedServer runs Debian's packaged Python as a real HTTP server
// on a port the kernel picks, and returns its executable, package and port.
func startPackagedServer(t *testing.T) (exe, pkg string, port uint16) {
	t.Helper()
	_, err := exec.LookPath("dpkg-query")
	testrig.Need(t, err == nil, "dpkg-query (a Debian system)")
	exe, err = filepath.EvalSymlinks("/usr/bin/python3")
	testrig.Need(t, err == nil, "/usr/bin/python3 (package python3-minimal)")
	out, err := exec.Command("dpkg-query", "-S", exe).Output()
	testrig.Need(t, err == nil, exe+" shipped by a Debian package")
	pkg, _, _ = strings.Cut(strings.TrimSpace(string(out)), ":")

	cmd := exec.Command(exe, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0")
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		m := servingPort.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("http.server said %q", line)
		}
		n, _ := strconv.Atoi(m[1])
		return exe, pkg, uint16(n)
	case <-time.After(10 * time.Second):
		t.Fatal("http.server did not start within 10 s")
	}
	return "", "", 0
}

// TestScanJSONOriginOfAPackagedServer: a listener bound by a packaged
// program shows, in `scan --json`, the package that shipped it, and in the
// scan table and `explain`, the program's section in words.
func TestScanJSONOriginOfAPackagedServer(t *testing.T) {
	exe, pkg, port := startPackagedServer(t)
	out, err := run(t, context.Background(), "scan", "--json")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	var doc struct {
		Listeners []map[string]any `json:"listeners"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("scan --json is not JSON: %v", err)
	}
	var mine map[string]any
	for _, l := range doc.Listeners {
		requireKeys(t, "listener", l, "origin", "exe_identity")
		if l["port"] == float64(port) && l["proto"] == "tcp" {
			mine = l
		}
	}
	if mine == nil {
		t.Fatalf("scan did not list the server on %d/tcp", port)
	}
	if mine["exe"] != exe {
		t.Errorf("exe %v, want %s", mine["exe"], exe)
	}
	o, _ := mine["origin"].(map[string]any)
	if o["manager"] != "dpkg" || o["package"] != pkg || o["version"] == nil {
		t.Errorf("origin %v, want dpkg package %s with its version", o, pkg)
	}
	if o["integrity"] != "match" {
		t.Errorf("integrity %v, want match (the file is the package's)", o["integrity"])
	}
	// exe_identity is always there; its state is "ok" once the scanner
	// reads the running file, and never another state for this server.
	if id, _ := mine["exe_identity"].(map[string]any); id["state"] != nil && id["state"] != "ok" {
		t.Errorf("exe_identity %v, want state ok", id)
	}
	reasons, _ := mine["verdict"].(map[string]any)["reasons"].([]any)
	if len(reasons) == 0 || !strings.HasPrefix(reasons[0].(string), "shipped by package "+pkg+" ") {
		t.Errorf("reasons %v do not say where the program came from first", reasons)
	}

	text, err := run(t, context.Background(), "scan")
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	row := regexp.MustCompile(`(?m)^tcp\s+127\.0\.0\.1\s+` + strconv.Itoa(int(port)) + `\s.*\sdpkg ` + regexp.QuoteMeta(pkg) + `\s`)
	if !row.MatchString(text) {
		t.Errorf("scan table lacks the program and origin %s:\n%s", row, text)
	}

	ex, err := run(t, context.Background(), "explain", strconv.Itoa(int(port)))
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	for _, want := range []string{"Should I worry?", "Who is this program", "Program file: " + exe,
		"Package: shipped by package " + pkg + " ", "the file matches the package", "What you can do"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explain text lacks %q:\n%s", want, ex)
		}
	}
}
