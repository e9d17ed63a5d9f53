package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"portlight/data"
	"portlight/monitor/portinfo"
)

// testRegistry returns the verbatim registry shipped in data/ with its date
// set to date and port 22/tcp's description marked, so a lookup shows which
// registry answered.
func testRegistry(t *testing.T, date string) []byte {
	t.Helper()
	b, err := os.ReadFile("../data/iana/service-names-port-numbers.xml")
	if err != nil {
		t.Fatalf("the verbatim registry must be in data/: %v", err)
	}
	old := []byte("<updated>" + data.IANAUpdated + "</updated>")
	if !bytes.Contains(b, old) {
		t.Fatalf("registry has no %s", old)
	}
	b = bytes.Replace(b, old, []byte("<updated>"+date+"</updated>"), 1)
	return bytes.Replace(b, []byte("<description>The Secure Shell (SSH) Protocol</description>"),
		[]byte("<description>SSH, from the test server</description>"), 1)
}

// registryServer serves each path of handlers over https on 127.0.0.1, and
// makes update-registry trust its certificate for the test's life.
func registryServer(t *testing.T, handlers map[string]http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	for p, h := range handlers {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	registryTransport = srv.Client().Transport
	t.Cleanup(func() { registryTransport = nil })
	return srv.URL
}

func serveBytes(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write(b)
	}
}

// stateHome gives the test its own state folder.
func stateHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("PORTLIGHT_HOME", home)
	portinfo.Reload()
	t.Cleanup(portinfo.Reload)
	return home
}

func TestUpdateRegistryFromServer(t *testing.T) {
	home := stateHome(t)
	good := testRegistry(t, "2026-10-02")
	url := registryServer(t, map[string]http.HandlerFunc{"/reg.xml": serveBytes(good)})
	out, err := run(t, context.Background(), "update-registry", "--url", url+"/reg.xml")
	if err != nil {
		t.Fatalf("update-registry: %v", err)
	}
	for _, want := range []string{"2026-10-02", strconv.Itoa(data.IANARecords) + " port records", filepath.Join(home, portinfo.RegistryFile), "used the registry of " + data.IANAUpdated} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	fi, err := os.Stat(filepath.Join(home, portinfo.RegistryFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stored file: %v %v", fi, err)
	}
	// explain now speaks from the new registry, and says so.
	out, err = run(t, context.Background(), "explain", "22", "--json")
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	if !strings.Contains(out, `"registry_date": "2026-10-02"`) || !strings.Contains(out, "SSH, from the test server") {
		t.Errorf("explain does not speak from the stored registry:\n%.600s", out)
	}
	out, err = run(t, context.Background(), "explain", "22")
	if err != nil || !strings.Contains(out, "2026-10-02") {
		t.Errorf("explain text does not name the registry date (err %v):\n%.600s", err, out)
	}
}

func TestUpdateRegistryRefusals(t *testing.T) {
	good := testRegistry(t, "2026-10-02")
	huge := func(withLength bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			const size = maxRegistryBytes + 8<<20
			if withLength {
				w.Header().Set("Content-Length", strconv.Itoa(size))
			}
			w.Write(good[:len(good)-20])
			pad := bytes.Repeat([]byte("<!-- padding -->\n"), 4096)
			for n := len(good); n < size && r.Context().Err() == nil; n += len(pad) {
				if _, err := w.Write(pad); err != nil {
					return
				}
			}
		}
	}
	url := registryServer(t, map[string]http.HandlerFunc{
		"/truncated.xml": serveBytes(good[:len(good)*2/3]),
		"/cut-connection.xml": func(w http.ResponseWriter, r *http.Request) {
			// Promise the whole file, send half, hang up.
			w.Header().Set("Content-Length", strconv.Itoa(len(good)))
			w.Write(good[:len(good)/2])
			panic(http.ErrAbortHandler)
		},
		"/older.xml":       serveBytes(testRegistry(t, "2024-12-31")),
		"/huge.xml":        huge(false),
		"/huge-length.xml": huge(true),
		"/laughs.xml":      serveBytes([]byte(billionLaughs)),
		"/xxe.xml":         serveBytes([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><registry><updated>2026-10-02</updated><record><description>&x;</description><number>1</number></record></registry>`)),
		"/page.html":       serveBytes([]byte("<!DOCTYPE html>\n<html><head><title>IANA</title></head><body><p>Moved</p></body></html>")),
		"/other-registry":  serveBytes([]byte(`<?xml version="1.0"?><registry><updated>2026-10-02</updated><record><value>1</value></record></registry>`)),
		"/missing.xml":     http.NotFound,
		"/future.xml":      serveBytes(testRegistry(t, "2099-01-01")),
		"/wide.xml": serveBytes(bytes.Replace(testRegistry(t, "2026-10-02"), []byte("</registry>"),
			[]byte("<record><name>all</name><protocol>tcp</protocol><number>1024-49151</number></record></registry>"), 1)),
		"/to-http.xml": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+"/reg.xml", http.StatusFound)
		},
		"/slow.xml": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(10 * time.Second):
			case <-r.Context().Done():
			}
		},
	})
	cases := []struct {
		path, want string
		args       []string
	}{
		{"/truncated.xml", "unexpected EOF", nil},
		{"/cut-connection.xml", "unexpected EOF", nil},
		{"/older.xml", "older than the one built into Portlight", nil},
		{"/huge.xml", "larger than 32 MiB", nil},
		{"/huge-length.xml", "far more than IANA's registry", nil},
		{"/laughs.xml", "entity", nil},
		{"/xxe.xml", "entity", nil},
		{"/page.html", "no <updated> date", nil},
		{"/other-registry", "truncated or not the port registry", nil},
		{"/missing.xml", "404", nil},
		{"/future.xml", "dated 2099-01-01, after today", nil},
		{"/wide.xml", "names one service on 48128 ports", nil},
		{"/to-http.xml", "not https", nil},
		{"/slow.xml", "within 300ms", []string{"--timeout", "300ms"}},
	}
	for _, c := range cases {
		t.Run(strings.TrimPrefix(c.path, "/"), func(t *testing.T) {
			home := stateHome(t)
			start := time.Now()
			_, err := run(t, context.Background(), "update-registry", append([]string{"--url", url + c.path}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one saying %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "nothing stored") {
				t.Errorf("error does not say nothing was stored: %v", err)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("refusal took %s", d)
			}
			if es, err := os.ReadDir(home); err == nil && len(es) > 0 {
				t.Errorf("something was stored: %v", es)
			}
		})
	}
}

// billionLaughs is the classic entity-expansion bomb (10^9 "lol"s if expanded).
const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE registry [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<registry><updated>2026-10-02</updated><record><name>&lol9;</name><number>1</number></record></registry>`

func TestUpdateRegistryFromFileAndUsage(t *testing.T) {
	home := stateHome(t)
	file := filepath.Join(t.TempDir(), "reg.xml")
	if err := os.WriteFile(file, testRegistry(t, "2026-10-03"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--url", "http://127.0.0.1:1/x", "--file", file},
		{"--url", "ftp://example.org/x"},
		{"--url", "http://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xml"},
		{"--url", "file:///etc/passwd"},
		{"extra"},
	} {
		if _, err := run(t, context.Background(), "update-registry", args...); !errors.Is(err, ErrUsage) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Fatalf("usage errors created the state folder: %v", err)
	}
	out, err := run(t, context.Background(), "update-registry", "--file", file)
	if err != nil || !strings.Contains(out, "2026-10-03") {
		t.Fatalf("--file: %v\n%s", err, out)
	}
	if got := portinfo.Lookup(22, "tcp").RegistryDate; got != "2026-10-03" {
		t.Errorf("Lookup speaks from %s after update-registry --file", got)
	}
	// Same file again: accepted, said to be the same date.
	out, err = run(t, context.Background(), "update-registry", "--file", file)
	if err != nil || !strings.Contains(out, "same date") {
		t.Errorf("second run: %v\n%s", err, out)
	}
}

func TestUpdateRegistryHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := Run(context.Background(), "update-registry", Env{Args: []string{"--help"}, Stdout: &out, Stderr: &errOut}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: portlight update-registry", "-url", "-file", "-timeout", "-dry-run", "nothing is stored", "https only", IANARegistryURL} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, errOut.String())
		}
	}
}

// TestUpdateRegistryDryRun: --dry-run checks a real file and prints what it
// changes, naming examples, and stores nothing.
func TestUpdateRegistryDryRun(t *testing.T) {
	home := stateHome(t)
	b := testRegistry(t, "2026-10-04")
	b = bytes.Replace(b, []byte("<name>telnet</name>"), []byte("<name>telnet-ng</name>"), 1)
	b = bytes.Replace(b, []byte("</registry>"),
		[]byte("<record><name>newsvc</name><protocol>tcp</protocol><number>47002</number></record></registry>"), 1)
	file := filepath.Join(t.TempDir(), "reg.xml")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, context.Background(), "update-registry", "--file", file, "--dry-run")
	if err != nil {
		t.Fatalf("--dry-run: %v", err)
	}
	for _, want := range []string{"2026-10-04", "nothing stored", "1 services added, e.g. newsvc 47002/tcp",
		"0 services removed", "1 services renamed, e.g. telnet → telnet-ng 23/tcp", "Unassigned port and protocol pairs"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("dry run:\n%s", out)
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("--dry-run stored something in %s: %v", home, err)
	}
	if got := portinfo.Lookup(22, "tcp").RegistryDate; got != data.IANAUpdated {
		t.Errorf("Lookup speaks from %s after a dry run", got)
	}
}
