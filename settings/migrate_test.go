package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A settings file written before program signals and script entries: its
// triggers table lacks the new keys (they take their defaults, on), an old
// "Allow" entry's exact command line becomes its script, a glob that is not
// an absolute script stays a glob, and a glob with a leading '*' is dropped
// with a problem that says why.
func TestOldAllowEntriesAndTriggersMigrate(t *testing.T) {
	const old = `schema = 1

[triggers]
unassigned_or_reserved = true
malware_port = true
dynamic_from_network = false
owner_change = true

[[allow]]
path = "/usr/bin/python3.12"
args = "python3 /srv/app/server.py --port 8000"

[[allow]]
path = "/usr/bin/node"
args = "/home/me/src/*/server.js"

[[allow]]
path = "/usr/bin/ruby"
args = "*/srv/app.rb*"
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Settings()
	tr := got.Triggers
	if tr.DynamicFromNetwork || !tr.ExeInWritablePlace || !tr.SelfHidden || !tr.NameMimics || !tr.PackageMismatch {
		t.Errorf("triggers %+v: the file's values kept, the new keys on", tr)
	}
	if len(got.Allow) != 2 {
		t.Fatalf("allow-list %+v, want the two usable entries", got.Allow)
	}
	if e := got.Allow[0]; e.Script != "/srv/app/server.py" || e.Args != "" {
		t.Errorf("old exact command line: %+v, want script /srv/app/server.py", e)
	}
	if e := got.Allow[1]; e.Script != "" || e.Args != "/home/me/src/*/server.js" {
		t.Errorf("old glob: %+v, want it kept", e)
	}
	if p := s.Problem(); !strings.Contains(p, `"*/srv/app.rb*" starts with '*'`) {
		t.Errorf("problem %q does not explain the dropped entry", p)
	}
}
