package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backups lists the folder's backups of the settings file.
func backups(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range files(t, dir) {
		if strings.HasPrefix(n, FileName+".") {
			out = append(out, n)
		}
	}
	return out
}

// TestUnusableFileIsBackedUpOnce: every process start opens the settings;
// an unusable file left as it is must not gain a copy per start.
func TestUnusableFileIsBackedUpOnce(t *testing.T) {
	for _, tt := range []struct{ name, content, kind string }{
		{"corrupt", "schema = 1\npoll_interval = [[[\n", "corrupt"},
		{"future", "schema = 9\nnew_thing = true\n", "future"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			var problems []string
			for i := 0; i < 3; i++ {
				s, err := Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				problems = append(problems, s.Problem())
			}
			b := backups(t, dir)
			if len(b) != 1 || !strings.HasPrefix(b[0], FileName+"."+tt.kind+"-") {
				t.Fatalf("backups after 3 opens: %v, want one %s backup", b, tt.kind)
			}
			if data, _ := os.ReadFile(filepath.Join(dir, b[0])); string(data) != tt.content {
				t.Errorf("backup holds %q", data)
			}
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Errorf("the file itself was changed: %q", data)
			}
			for i, p := range problems {
				if !strings.Contains(p, b[0]) {
					t.Errorf("open %d: problem %q does not name the backup %s", i+1, p, b[0])
				}
			}
		})
	}
}

// TestChangedUnusableFileIsBackedUpAgain: only identical bytes are taken
// as already kept; a different bad file gets its own copy.
func TestChangedUnusableFileIsBackedUpAgain(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	contents := []string{"schema = 1\nbroken = [\n", "schema = 1\nbroken = {\n", "schema = 1\nbroken = [\n"}
	for _, c := range contents {
		if err := os.WriteFile(path, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir); err != nil {
			t.Fatal(err)
		}
	}
	// The third equals the first but not the newest backup: kept again,
	// so the newest backup is always the latest bad file.
	if b := backups(t, dir); len(b) != 3 {
		t.Fatalf("backups %v, want 3 (one per distinct change)", b)
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if b := backups(t, dir); len(b) != 3 {
		t.Fatalf("backups after reopening unchanged: %v, want still 3", b)
	}
}

func TestBackupKey(t *testing.T) {
	tests := []struct {
		name  string
		stamp string
		n     int
		ok    bool
	}{
		{"settings.toml.corrupt-20261125T221628Z", "20261125T221628Z", 1, true},
		{"settings.toml.future-20261125T221628Z-10", "20261125T221628Z", 10, true},
		{"settings.toml.corrupt-20261125T221628Z-1", "", 0, false},
		{"settings.toml.corrupt-20261125T221628Z-x", "", 0, false},
		{"settings.toml.corrupt-2026", "", 0, false},
		{"settings.toml.corrupt-2026112XT221628Z", "", 0, false},
		{"settings.toml.before-fix-20261125T221628Z", "", 0, false},
		{"other.toml.corrupt-20261125T221628Z", "", 0, false},
	}
	for _, tt := range tests {
		stamp, n, ok := backupKey(FileName, tt.name)
		if stamp != tt.stamp || n != tt.n || ok != tt.ok {
			t.Errorf("backupKey(%q) = %q, %d, %v; want %q, %d, %v", tt.name, stamp, n, ok, tt.stamp, tt.n, tt.ok)
		}
	}
}

// TestNewestBackupOrdersByNumber: the tenth backup of a second is newer
// than the ninth, though "-10" sorts before "-9".
func TestNewestBackupOrdersByNumber(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	for _, n := range []string{"settings.toml.corrupt-20261125T221628Z", "settings.toml.corrupt-20261125T221628Z-9", "settings.toml.corrupt-20261125T221628Z-10", "settings.toml.corrupt-20261125T221627Z-50"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := newestBackup(path); filepath.Base(got) != "settings.toml.corrupt-20261125T221628Z-10" {
		t.Errorf("newestBackup = %q", got)
	}
}
