package knownapps

import (
	"strings"
	"testing"
)

const header = "app,name,exe,package,appid,runtime,port,proto,scope,purpose,source,checked\n"

// good is a valid row; the error cases change one cell of it.
var good = []string{"syncthing", "Syncthing", "/usr/bin/syncthing", "syncthing", "", "",
	"21027", "udp", "any", "Syncthing uses 21027/udp to find devices.", "https://example.org/st", "2026-12-02"}

// withCell returns good with column col set to v, as a CSV line.
func withCell(col, v string) string {
	cells := append([]string(nil), good...)
	for i, c := range Columns {
		if c == col {
			cells[i] = v
		}
	}
	for i, c := range cells {
		if strings.ContainsAny(c, ",\"\n") {
			cells[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
	}
	return strings.Join(cells, ",") + "\n"
}

func TestParseAcceptsGoodRow(t *testing.T) {
	db, err := Parse(strings.NewReader(header + withCell("app", "syncthing")))
	if err != nil {
		t.Fatal(err)
	}
	if len(db.rows) != 1 || len(db.apps) != 1 {
		t.Fatalf("rows %d, apps %d", len(db.rows), len(db.apps))
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "read header"},
		{"short header", "app,name\n", "read header"},
		{"wrong header", strings.Replace(header, "scope", "bind", 1), "header is"},
		{"no rows", header, "no rows"},
		{"short row", header + "a,b,c\n", "wrong number of fields"},
		{"no source", header + withCell("source", ""), "not an https URL"},
		{"http source", header + withCell("source", "http://example.org/x"), "not an https URL"},
		{"source with odd scheme case", header + withCell("source", "htTps://example.org/x"), "not an https URL"},
		{"purpose of one word", header + withCell("purpose", "Discovery."), "not a sentence"},
		{"source without host", header + withCell("source", "https:///x"), "not an https URL"},
		{"no port", header + withCell("port", ""), "not a port"},
		{"port 0", header + withCell("port", "0"), "not a port"},
		{"port too big", header + withCell("port", "65536"), "not a port"},
		{"range backwards", header + withCell("port", "20-10"), "does not run upwards"},
		{"range of one", header + withCell("port", "20-20"), "does not run upwards"},
		{"no proto", header + withCell("proto", ""), "is not tcp or udp"},
		{"sctp", header + withCell("proto", "sctp"), "is not tcp or udp"},
		{"bad scope", header + withCell("scope", "lan"), "not loopback or any"},
		{"no purpose", header + withCell("purpose", ""), "no purpose"},
		{"purpose without full stop", header + withCell("purpose", "Syncthing finds devices"), "full stop"},
		{"purpose on two lines", header + withCell("purpose", "One line.\nAnother line."), "spans lines"},
		{"bad date", header + withCell("checked", "2.12.2026"), "not YYYY-MM-DD"},
		{"bad app id", header + withCell("app", "Sync Thing"), "lower-case"},
		{"no name", header + withCell("name", ""), "no display name"},
		{"bare process name", header + strings.Replace(withCell("exe", "syncthing"), ",syncthing,,,", ",,,,", 1), "not absolute"},
		{"nothing to recognise", header + strings.Replace(withCell("exe", ""), ",syncthing,,,", ",,,,", 1), "no way to recognise"},
		{"relative path", header + withCell("exe", "bin/syncthing"), "not absolute"},
		{"under /tmp", header + withCell("exe", "/tmp/syncthing"), "anyone can write"},
		{"under /dev/shm", header + withCell("exe", "/dev/shm/x/syncthing"), "anyone can write"},
		{"glob first folder", header + withCell("exe", "/*/syncthing"), "first folder must be literal"},
		{"glob first home folder", header + withCell("exe", "~/*/syncthing"), "first folder must be literal"},
		{"double star", header + withCell("exe", "/usr/**/syncthing"), "** is not supported"},
		{"question mark", header + withCell("exe", "/usr/bin/syncthin?"), "only * is a wildcard"},
		{"dot dot", header + withCell("exe", "/usr/../tmp/syncthing"), "not clean"},
		{"trailing slash", header + withCell("exe", "/usr/bin/"), "names no file"},
		{"bad runtime", header + withCell("runtime", "python3"), "not absolute"},
		{"bad package", header + withCell("package", "Sync thing"), "package"},
		{"leading glob package", header + withCell("package", "*sql"), "package"},
		{"short flatpak id", header + withCell("appid", "spotify.Client"), "three parts"},
		{"bad snap name", header + withCell("appid", "Spotify"), "snap name"},
		{"names disagree", header + withCell("app", "syncthing") + withCell("name", "SyncThing"), "differs"},
		{"bare quote", header + `a"b,` + strings.Join(good[1:], ",") + "\n", "read"},
	}
	for _, tt := range tests {
		db, err := Parse(strings.NewReader(tt.in))
		if err == nil || db != nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse = %v, %v; want an error containing %q", tt.name, db, err, tt.want)
		}
	}
}

func TestParseReportsLine(t *testing.T) {
	in := header + "# a comment\n" + withCell("app", "a") + withCell("port", "x")
	_, err := Parse(strings.NewReader(in))
	if err == nil || !strings.HasPrefix(err.Error(), "line 4:") {
		t.Errorf("error %v, want it to name line 4", err)
	}
}
