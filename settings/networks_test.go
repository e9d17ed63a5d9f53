package settings

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A name in networks.trusted is said once at load and kept in the file
// unused (the policy trusts by UUID only); UUIDs and public names are
// not warned about.
func TestTrustedByNameIsWarnedAbout(t *testing.T) {
	const uuid = "0b1c3a6e-3c2f-4a51-9d0e-6f0a1b2c3d4e"
	for _, tc := range []struct {
		name, trusted, warn string
	}{
		{"by uuid", `["` + uuid + `"]`, ""},
		{"by name", `["Home", "` + uuid + `"]`, `networks.trusted takes connection UUIDs, not names: "Home" ignored`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			content := "schema = 1\n\n[networks]\npublic = [\"Café\"]\ntrusted = " + tc.trusted + "\nunknown_is_public = true\n"
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			p := s.Problem()
			if tc.warn == "" && p != "" || tc.warn != "" && (!strings.Contains(p, tc.warn) || strings.Count(p, "Home") != 1) {
				t.Errorf("problem %q, want %q", p, tc.warn)
			}
			if n := s.Settings().Networks; !slices.Contains(n.Trusted, uuid) || !slices.Equal(n.Public, []string{"Café"}) || !n.UnknownIsPublic {
				t.Errorf("networks %+v", n)
			}
		})
	}
}
