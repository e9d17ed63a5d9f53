package knownapps

import (
	"os"
	"strings"
	"testing"
)

// loadMini parses testdata/mini.csv.
func loadMini(t testing.TB) *DB {
	t.Helper()
	f, err := os.Open("testdata/mini.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestForPort(t *testing.T) {
	db := loadMini(t)
	tests := []struct {
		port  uint16
		proto string
		want  []string // App of each use, in order
	}{
		{22000, "tcp", []string{"syncthing", "other-syncer"}},
		{22000, "udp", nil},
		{21027, "UDP ", []string{"syncthing"}},
		{1714, "tcp", []string{"kdeconnect"}},
		{1740, "tcp", []string{"kdeconnect"}},
		{1764, "tcp", []string{"kdeconnect"}},
		{1765, "tcp", nil},
		{1713, "tcp", nil},
		{57621, "udp", []string{"spotify"}},
		{0, "tcp", nil}, // the random-port use documents no port
		{5432, "sctp", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, u := range db.ForPort(tt.port, tt.proto) {
			if u.Purpose == "" || u.Source == "" || !u.Covers(tt.port) {
				t.Errorf("%d/%s: incomplete use %+v", tt.port, tt.proto, u)
			}
			got = append(got, u.App)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("ForPort(%d, %q) = %v, want %v", tt.port, tt.proto, got, tt.want)
		}
	}
	u := db.ForPort(21027, "udp")[0]
	if u.Name != "Syncthing" || u.Port != 21027 || u.PortEnd != 21027 || u.Scope != "any" ||
		u.Purpose != "Syncthing uses 21027/udp to discover other devices on the local network." || u.Checked != "2026-12-02" {
		t.Errorf("use %+v", u)
	}
}

func TestIdentify(t *testing.T) {
	db := loadMini(t)
	const home = "/home/ann"
	tests := []struct {
		name string
		p    Program
		want string // "" for not identified
	}{
		{"vendor path", Program{Exe: "/usr/share/spotify/spotify"}, "spotify"},
		{"home path", Program{Exe: home + "/.local/share/spotify-launcher/install/usr/share/spotify/spotify", Home: home}, "spotify"},
		{"home path, other user's home", Program{Exe: "/home/bob/.local/share/spotify-launcher/install/usr/share/spotify/spotify", Home: home}, ""},
		{"home path, no home known", Program{Exe: home + "/.local/share/spotify-launcher/install/usr/share/spotify/spotify"}, ""},
		{"home of / matches nothing", Program{Exe: "/.local/share/spotify-launcher/install/usr/share/spotify/spotify", Home: "/"}, ""},
		{"same name under /tmp", Program{Exe: "/tmp/x/usr/share/spotify/spotify"}, ""},
		{"same name elsewhere", Program{Exe: home + "/bin/spotify", Home: home}, ""},
		{"prefix of a vendor path", Program{Exe: "/usr/share/spotify/spotify/evil"}, ""},
		{"vendor path with ..", Program{Exe: "/usr/share/spotify/../../../tmp/spotify"}, ""},
		{"vendor path with //", Program{Exe: "/usr/share//spotify/spotify"}, ""},
		{"relative path", Program{Exe: "usr/share/spotify/spotify"}, ""},
		{"deleted executable", Program{Exe: "/usr/share/spotify/spotify (deleted)"}, ""},
		{"flatpak id", Program{Exe: "/app/extra/share/spotify/spotify", AppID: "com.spotify.Client"}, "spotify"},
		{"snap name", Program{AppID: "spotify"}, "spotify"},
		{"package", Program{Exe: "/usr/bin/anything", Package: "syncthing"}, "syncthing"},
		{"package glob", Program{Package: "postgresql-16"}, "postgresql"},
		{"package glob needs the prefix", Program{Package: "libpostgresql-16"}, ""},
		{"glob within one element", Program{Exe: "/usr/lib/postgresql/16/bin/postgres"}, "postgresql"},
		{"glob does not cross /", Program{Exe: "/usr/lib/postgresql/16/extra/bin/postgres"}, ""},
		{"glob in a middle element", Program{Exe: "/usr/lib/x86_64-linux-gnu/libexec/kdeconnectd"}, "kdeconnect"},
		{"interpreter is not the tool", Program{Exe: "/usr/bin/python3.12"}, ""},
		{"nothing known", Program{}, ""},
	}
	for _, tt := range tests {
		id, name, ok := db.Identify(tt.p)
		if id != tt.want || ok != (tt.want != "") || (ok && name == "") {
			t.Errorf("%s: Identify(%+v) = %q, %q, %v; want %q", tt.name, tt.p, id, name, ok, tt.want)
		}
	}
}

func TestExpects(t *testing.T) {
	db := loadMini(t)
	spotify := Program{Exe: "/usr/share/spotify/spotify"}
	tests := []struct {
		name    string
		p       Program
		port    uint16
		proto   string
		wantApp string
		wantAt  uint16 // Use.Port; 0 for a random-port use
	}{
		{"documented port", Program{Exe: "/usr/bin/syncthing"}, 22000, "tcp", "syncthing", 22000},
		{"protocol differs", Program{Exe: "/usr/bin/syncthing"}, 22000, "udp", "", 0},
		{"upper-case protocol", Program{Exe: "/usr/bin/syncthing"}, 21027, "UDP", "syncthing", 21027},
		{"undocumented port", Program{Exe: "/usr/bin/syncthing"}, 8080, "tcp", "", 0},
		{"random port", spotify, 41234, "tcp", "spotify", 0},
		{"exact port wins over random", spotify, 57621, "udp", "spotify", 57621},
		{"random is per protocol", spotify, 41234, "udp", "", 0},
		{"range", Program{Package: "kdeconnect"}, 1750, "tcp", "kdeconnect", 1714},
		{"other program's port", Program{Exe: "/opt/other/syncer"}, 21027, "udp", "", 0},
		{"shared port, second program", Program{Exe: "/opt/other/syncer"}, 22000, "tcp", "other-syncer", 22000},
		{"runtime on its tool's port", Program{Exe: "/usr/bin/python3.12"}, 8000, "tcp", "django", 8000},
		{"runtime elsewhere", Program{Exe: "/usr/bin/python3.12"}, 8001, "tcp", "", 0},
		{"other runtime", Program{Exe: "/usr/bin/node"}, 8000, "tcp", "", 0},
		{"name alone", Program{Exe: "/tmp/syncthing"}, 22000, "tcp", "", 0},
		{"unknown program", Program{Exe: "/usr/bin/nc"}, 22000, "tcp", "", 0},
	}
	for _, tt := range tests {
		u, ok := db.Expects(tt.p, tt.port, tt.proto)
		if ok != (tt.wantApp != "") || u.App != tt.wantApp || u.Port != tt.wantAt {
			t.Errorf("%s: Expects(%+v, %d, %q) = %+v, %v; want %q at %d", tt.name, tt.p, tt.port, tt.proto, u, ok, tt.wantApp, tt.wantAt)
		}
		if ok && (u.Random != (tt.wantAt == 0) || u.Purpose == "") {
			t.Errorf("%s: use %+v", tt.name, u)
		}
	}
}
