package repocheck

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the module's root folder, two levels up from this package.
const root = "../.."

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w*)\(\w+ \*testing\.F\)`)

// TestEveryFuzzTargetHasABudget: `make test` runs each fuzz target for a
// count of executions read from scripts/fuzz-budget.txt (a duration budget
// can fail without a bug in Go 1.26, golang/go#75804). A target missing from
// the file would fail `make test` late; a row naming no target would be a
// budget that guards nothing. Both fail here, in the fast loop.
func TestEveryFuzzTargetHasABudget(t *testing.T) {
	budget := readBudget(t, filepath.Join(root, "scripts", "fuzz-budget.txt"))
	var found []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		pkg := "portlight"
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			found = append(found, pkg+" "+string(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("no fuzz targets found: the walk looked in the wrong place")
	}
	for _, f := range found {
		if !slices.Contains(budget, f) {
			t.Errorf("fuzz target %s has no row in scripts/fuzz-budget.txt", f)
		}
	}
	for _, b := range budget {
		if !slices.Contains(found, b) {
			t.Errorf("scripts/fuzz-budget.txt names %s, which is no fuzz target", b)
		}
	}
}

// readBudget returns "package target" of each row, checking that its count
// is a positive number.
func readBudget(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []string
	count := regexp.MustCompile(`^[1-9][0-9]*$`)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 || !count.MatchString(fs[2]) {
			t.Errorf("%s: bad row %q (want: package target executions)", path, line)
			continue
		}
		rows = append(rows, fs[0]+" "+fs[1])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}
