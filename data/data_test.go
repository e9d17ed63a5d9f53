package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// TestGeneratedUpToDate runs the go:generate step into a temporary
// directory and compares its output with the committed files, so a swapped
// registry XML without `go generate` fails here.
func TestGeneratedUpToDate(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test needs the go tool on PATH: %v", err)
	}
	out := t.TempDir()
	cmd := exec.Command(gobin, "run", "./internal/gen", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/gen: %v\n%s", err, b)
	}
	fresh := gunzipFile(t, filepath.Join(out, "iana", "ports.csv.gz"))
	committed := gunzipFile(t, filepath.Join("iana", "ports.csv.gz"))
	if !bytes.Equal(fresh, committed) {
		t.Errorf("iana/ports.csv.gz is stale (%d bytes vs %d fresh): run `go generate` in data/", len(committed), len(fresh))
	}
	freshGo, err := os.ReadFile(filepath.Join(out, "iana_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	committedGo, err := os.ReadFile("iana_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(freshGo, committedGo) {
		t.Errorf("iana_gen.go is stale: run `go generate` in data/\n got:\n%s\nwant:\n%s", committedGo, freshGo)
	}
}

// TestEmbedded checks the accessors hand out the embedded files.
func TestEmbedded(t *testing.T) {
	r, err := IANAPorts()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("# Code generated ")) || !bytes.Contains(b[:200], []byte("DO NOT EDIT.")) ||
		!bytes.Contains(b[:200], []byte("Registry updated "+IANAUpdated)) {
		t.Errorf("compact registry starts %q", b[:200])
	}
	if n := bytes.Count(b, []byte("\n")); n < IANARecords {
		t.Errorf("compact registry has %d lines for %d records", n, IANARecords)
	}
	for name, r := range map[string]io.Reader{
		"Wikipedia":       Wikipedia(),
		"DevServers":      DevServers(),
		"AttackPorts":     AttackPorts(),
		"AttackCitations": AttackCitations(),
		"AttackLicense":   bytes.NewReader(AttackLicense()),
	} {
		b, err := io.ReadAll(r)
		if err != nil || len(b) < 1000 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	if !bytes.Contains(AttackLicense(), []byte(AttackCopyright)) {
		t.Error("LICENSE-ATTACK.txt does not carry the copyright line AttackCopyright quotes")
	}
	joined := strings.Join(Notices(), "\n")
	for _, want := range []string{IANAUpdated, "revision 952066257", "CC BY-SA 3.0", AttackCopyright, "registered trademarks", "CC0"} {
		if !strings.Contains(joined, want) {
			t.Errorf("Notices lack %q", want)
		}
	}
}

// TestREADMEHashes checks that data/README.md gives the sha256 of every
// shipped data file, so the provenance record follows a file swap.
func TestREADMEHashes(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		"iana/service-names-port-numbers.xml",
		"wikipedia/list-of-tcp-and-udp-port-numbers.rev952066257.csv",
		"curated/dev-server-default-ports.csv",
		"mitre-attack/non-standard-ports.csv",
		"mitre-attack/citations.csv",
		"mitre-attack/LICENSE-ATTACK.txt",
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if h := hex.EncodeToString(sum[:]); !bytes.Contains(readme, []byte(h)) {
			t.Errorf("README.md lacks the sha256 of %s (%s)", f, h)
		}
	}
}
