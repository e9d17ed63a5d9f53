package portinfo

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"portlight/data"
	"portlight/internal/testrig"
)

// newerSSH is the description a test registry gives port 22/tcp, so a lookup
// shows which registry answered.
const newerSSH = "The Secure Shell (SSH) Protocol, from the newer test registry"

// registryVariant returns the verbatim registry from data/ with its date set
// to date and port 22/tcp's description changed to newerSSH.
func registryVariant(t testing.TB, date string) []byte {
	t.Helper()
	b, err := os.ReadFile(registryXML)
	if err != nil {
		t.Fatalf("the verbatim registry must be in data/: %v", err)
	}
	oldDate := []byte("<updated>" + data.IANAUpdated + "</updated>")
	if !bytes.Contains(b, oldDate) {
		t.Fatalf("registry has no %s", oldDate)
	}
	b = bytes.Replace(b, oldDate, []byte("<updated>"+date+"</updated>"), 1)
	oldSSH := []byte("<protocol>tcp</protocol>\n    <xref type=\"rfc\" data=\"rfc4251\"/>\n    <description>The Secure Shell (SSH) Protocol</description>")
	if !bytes.Contains(b, oldSSH) {
		t.Fatal("registry has no ssh/tcp record in the expected form")
	}
	return bytes.Replace(b, oldSSH, bytes.Replace(oldSSH, []byte("The Secure Shell (SSH) Protocol"), []byte(newerSSH), 1), 1)
}

// useHome points the state folder at a fresh directory and makes Current
// look at it again, for the test's life.
func useHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "state")
	t.Setenv("PORTLIGHT_HOME", home)
	reloadCurrent()
	t.Cleanup(reloadCurrent)
	return home
}

func TestInstallRegistryThenLookupUsesIt(t *testing.T) {
	home := useHome(t)
	if got := Lookup(22, "tcp"); got.RegistryDate != data.IANAUpdated {
		t.Fatalf("before the update Lookup speaks from %s, want the embedded %s", got.RegistryDate, data.IANAUpdated)
	}
	up, err := InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-10-01")), "test")
	if err != nil {
		t.Fatalf("InstallRegistry: %v", err)
	}
	if up.Date != "2026-10-01" || up.Previous != data.IANAUpdated || up.Records != data.IANARecords {
		t.Errorf("update = %+v", up)
	}
	if want := filepath.Join(home, RegistryFile); up.Path != want {
		t.Errorf("path %s, want %s", up.Path, want)
	}
	fi, err := os.Stat(up.Path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("stored file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("state folder mode %v, want 0700", di.Mode().Perm())
	}
	assertOnlyFile(t, home, RegistryFile)

	info := Lookup(22, "tcp")
	if info.RegistryDate != "2026-10-01" {
		t.Errorf("after the update Lookup speaks from %q", info.RegistryDate)
	}
	if len(info.Services) == 0 || info.Services[0].Description != newerSSH {
		t.Errorf("22/tcp services %+v, want the stored registry's description", info.Services)
	}
	if len(info.Unofficial) == 0 {
		t.Error("the stored registry lost the embedded unofficial uses")
	}
	// Other ports answer as in the embedded registry.
	e, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if a, b := e.Lookup(443, "tcp").Services, Lookup(443, "tcp").Services; len(a) == 0 || len(b) != len(a) || a[0] != b[0] {
		t.Errorf("443/tcp differs between the embedded (%+v) and stored (%+v) registries", a, b)
	}

	// A later, newer update replaces it; an older one than the stored is refused.
	if _, err := InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-09-01")), "test"); err == nil ||
		!strings.Contains(err.Error(), "older than the stored one (2026-10-01)") {
		t.Errorf("an update older than the stored registry: err = %v", err)
	}
	up, err = InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-11-01")), "test")
	if err != nil || up.Previous != "2026-10-01" {
		t.Fatalf("second update: %+v, %v", up, err)
	}
	if got := Lookup(22, "tcp").RegistryDate; got != "2026-11-01" {
		t.Errorf("after the second update Lookup speaks from %q", got)
	}
	assertOnlyFile(t, home, RegistryFile)
}

// assertOnlyFile fails unless dir holds exactly one file, name (no temporary
// files left behind).
func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Name() != name {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v, want only %s", dir, names, name)
	}
}

// assertNothingStored fails unless dir is missing or empty.
func assertNothingStored(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(es) != 0 {
		t.Errorf("something was stored in %s: %v", dir, es)
	}
}

func TestInstallRegistryRefusesBadFiles(t *testing.T) {
	good := registryVariant(t, "2026-10-01")
	records := bytes.Index(good, []byte("<record"))
	cut := bytes.Index(good[records+200_000:], []byte("<record")) + records + 200_000
	cases := map[string]struct {
		body []byte
		want string
	}{
		"truncated mid-file":           {good[:len(good)/2], "unexpected EOF"},
		"truncated, last byte missing": {good[:len(good)-2], "unexpected EOF"},
		"cut short but well formed": {append(append([]byte{}, good[:cut]...), "</registry>"...),
			"truncated or not the port registry"},
		"older than embedded": {registryVariant(t, "2025-01-01"), "older than the one built into Portlight"},
		"bad date":            {registryVariant(t, "someday"), "not YYYY-MM-DD"},
		"entity bomb": {[]byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
			`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><registry><updated>2026-10-01</updated><record><description>&lol3;</description><number>1</number></record></registry>`),
			"entity"},
		"HTML":  {[]byte("<html><body><h1>Service Unavailable</h1></body></html>"), "no <updated> date"},
		"empty": {nil, "no <updated> date"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			home := useHome(t)
			_, err := InstallRegistry(home, bytes.NewReader(c.body), "test")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one saying %q", err, c.want)
			}
			assertNothingStored(t, home)
			if got := Lookup(22, "tcp").RegistryDate; got != data.IANAUpdated {
				t.Errorf("Lookup speaks from %s after a refused update", got)
			}
		})
	}
}

// storeRaw writes a stored-registry file by hand.
func storeRaw(t *testing.T, home string, csv []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(csv)
	zw.Close()
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, RegistryFile)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDamagedStoredRegistryFallsBackToEmbedded(t *testing.T) {
	// A good stored file to damage in different ways.
	goodHome := useHome(t)
	if _, err := InstallRegistry(goodHome, bytes.NewReader(registryVariant(t, "2026-10-01")), "test"); err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(filepath.Join(goodHome, RegistryFile))
	if err != nil {
		t.Fatal(err)
	}
	csv, err := gunzip(gz, maxStoredCSV)
	if err != nil {
		t.Fatal(err)
	}
	header, body, _ := bytes.Cut(csv, []byte("\n"))
	flipped := append([]byte{}, gz...)
	flipped[len(flipped)/2] ^= 0xff

	cases := map[string]struct {
		write func(home string)
		want  string
	}{
		"not gzip": {func(home string) {
			os.MkdirAll(home, 0o700)
			os.WriteFile(filepath.Join(home, RegistryFile), []byte("hello"), 0o600)
		}, "not gzip"},
		"truncated gzip": {func(home string) {
			os.MkdirAll(home, 0o700)
			os.WriteFile(filepath.Join(home, RegistryFile), gz[:len(gz)/2], 0o600)
		}, "unexpected EOF"},
		"flipped byte": {func(home string) {
			os.MkdirAll(home, 0o700)
			os.WriteFile(filepath.Join(home, RegistryFile), flipped, 0o600)
		}, "stored registry"},
		"no header": {func(home string) { storeRaw(t, home, body) }, "not a Portlight registry header"},
		"rows missing": {func(home string) {
			storeRaw(t, home, csv[:bytes.LastIndex(csv[:len(csv)*3/4], []byte("\n,tcp,"))+1])
		}, "records, its header says"},
		"bad row": {func(home string) {
			storeRaw(t, home, append(append(append([]byte{}, header...), '\n'), []byte(strings.Replace(string(body), ",22,", ",twenty-two,", 1))...))
		}, "IANA registry line"},
		"a folder": {func(home string) { os.MkdirAll(filepath.Join(home, RegistryFile), 0o700) }, "stored registry"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			home := useHome(t)
			logs := testrig.CaptureLog(t)
			c.write(home)
			info := Lookup(22, "tcp")
			if info.RegistryDate != data.IANAUpdated || info.Services[0].Description == newerSSH {
				t.Errorf("a damaged stored registry was used: %s %q", info.RegistryDate, info.Services[0].Description)
			}
			out := logs.String()
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "damaged or unreadable") || !strings.Contains(out, c.want) {
				t.Errorf("log does not warn with %q:\n%s", c.want, out)
			}
			// The warning is given once, not on every lookup.
			reloadCurrent()
			Lookup(80, "tcp")
			if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
				t.Errorf("%d warnings after two loads of the same file, want 1", n)
			}
		})
	}
}

func TestStoredOlderThanEmbeddedIsIgnoredQuietly(t *testing.T) {
	home := useHome(t)
	if _, err := InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-10-01")), "test"); err != nil {
		t.Fatal(err)
	}
	gz, _ := os.ReadFile(filepath.Join(home, RegistryFile))
	csv, err := gunzip(gz, maxStoredCSV)
	if err != nil {
		t.Fatal(err)
	}
	// What a stored file looks like after Portlight itself was upgraded to a
	// newer embedded registry.
	storeRaw(t, home, bytes.Replace(csv, []byte("updated 2026-10-01"), []byte("updated 2020-01-01"), 1))
	logs := testrig.CaptureLog(t)
	reloadCurrent()
	if got := Lookup(22, "tcp").RegistryDate; got != data.IANAUpdated {
		t.Errorf("Lookup speaks from %s, want the newer embedded %s", got, data.IANAUpdated)
	}
	if out := logs.String(); strings.Contains(out, "WARN") || !strings.Contains(out, "older than the one built into Portlight") {
		t.Errorf("log:\n%s", out)
	}
	// And an update is then measured against the embedded date, not the stale file.
	if _, err := InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-09-01")), "test"); err != nil {
		t.Errorf("update over a stale stored registry: %v", err)
	}
}

func TestCurrentPicksUpUpdateFromAnotherProcess(t *testing.T) {
	home := useHome(t)
	if got := Lookup(22, "tcp").RegistryDate; got != data.IANAUpdated {
		t.Fatalf("start: %s", got)
	}
	// Another process (update-registry) writes the file; this one only sees
	// it at the next check.
	other := t.TempDir()
	if _, err := InstallRegistry(other, bytes.NewReader(registryVariant(t, "2026-10-01")), "test"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(other, RegistryFile))
	os.MkdirAll(home, 0o700)
	if err := os.WriteFile(filepath.Join(home, RegistryFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	current.nextCheck.Store(1) // the recheck interval has passed
	if got := Lookup(22, "tcp").RegistryDate; got != "2026-10-01" {
		t.Errorf("after the file appeared Lookup speaks from %s", got)
	}
	os.Remove(filepath.Join(home, RegistryFile))
	current.nextCheck.Store(1)
	if got := Lookup(22, "tcp").RegistryDate; got != data.IANAUpdated {
		t.Errorf("after the file went away Lookup speaks from %s", got)
	}
}

func TestConcurrentLookupDuringReload(t *testing.T) {
	home := useHome(t)
	if _, err := InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-10-01")), "test"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if d := Lookup(22, "tcp").RegistryDate; d != "2026-10-01" && d != data.IANAUpdated {
					t.Errorf("date %q", d)
					return
				}
			}
		}()
	}
	for range 5 {
		reloadCurrent()
		Lookup(1, "tcp")
	}
	cancel()
	wg.Wait()
}

// TestRegistryFromTheFutureRefusedAndNotBlocking: a registry dated years
// ahead is refused; one stored before that check existed (written here as
// if today were 2099) does not hold back a real update.
func TestRegistryFromTheFutureRefusedAndNotBlocking(t *testing.T) {
	home := useHome(t)
	future := registryVariant(t, "2099-01-01")
	if _, err := InstallRegistry(home, bytes.NewReader(future), "test"); err == nil || !strings.Contains(err.Error(), "after today") {
		t.Fatalf("a registry dated 2099 was not refused as from the future: %v", err)
	}
	c, err := CheckRegistry(home, bytes.NewReader(future), "test", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Install(); err != nil {
		t.Fatal(err)
	}
	up, err := InstallRegistry(home, bytes.NewReader(registryVariant(t, "2026-11-01")), "test")
	if err != nil {
		t.Fatalf("a stored registry from the future blocks a real update: %v", err)
	}
	if up.Date != "2026-11-01" || Lookup(22, "tcp").RegistryDate != "2026-11-01" {
		t.Errorf("update %+v, lookup from %s", up, Lookup(22, "tcp").RegistryDate)
	}
}

// TestStoredRegistryTextCleanedOnLoad: a registry stored before text was
// cleaned at XML parse time, holding an escape sequence and a line
// separator, is cleaned as it is read.
func TestStoredRegistryTextCleanedOnLoad(t *testing.T) {
	home := useHome(t)
	c, err := CheckRegistry(home, bytes.NewReader(registryVariant(t, "2026-10-01")), "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(c.gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(newerSSH), []byte("SSH\x1b]0;pwned\x07 \u2028evil\u202e"), 1)
	if c.gz, err = gzipBytes(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Install(); err != nil {
		t.Fatal(err)
	}
	info := Lookup(22, "tcp")
	if info.RegistryDate != "2026-10-01" || len(info.Services) == 0 {
		t.Fatalf("lookup %+v", info)
	}
	if d := info.Services[0].Description; d != "SSH evil" {
		t.Errorf("description %q, want the cleaned %q", d, "SSH evil")
	}
}
