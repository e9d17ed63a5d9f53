package knownapps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestEmbedded checks the shipped file: it parses, every row names its port
// and protocol in its purpose (so the sentence cannot drift from the
// number), and the facts the rest of Portlight relies on are there.
func TestEmbedded(t *testing.T) {
	db, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(db.rows) < 40 || len(db.apps) < 25 {
		t.Errorf("%d rows of %d apps; the file shrank", len(db.rows), len(db.apps))
	}
	for _, r := range db.rows {
		u := r.use
		want := fmt.Sprintf("%d/%s", u.Port, u.Proto)
		if u.PortEnd != u.Port {
			want = fmt.Sprintf("%d-%d/%s", u.Port, u.PortEnd, u.Proto)
		}
		if u.Random {
			want = "random port"
		}
		if !strings.Contains(u.Purpose, want) {
			t.Errorf("%s: purpose %q does not say %q", u.App, u.Purpose, want)
		}
		if !strings.HasPrefix(u.Source, "https://") {
			t.Errorf("%s: source %q", u.App, u.Source)
		}
	}
	facts := []struct {
		port  uint16
		proto string
		app   string
	}{
		{22000, "tcp", "syncthing"}, {22000, "udp", "syncthing"}, {21027, "udp", "syncthing"}, {8384, "tcp", "syncthing"},
		{51413, "tcp", "transmission"}, {9091, "tcp", "transmission"}, {58846, "tcp", "deluge"}, {8112, "tcp", "deluge"},
		{1714, "udp", "kdeconnect"}, {1764, "tcp", "kdeconnect"}, {41641, "udp", "tailscale"}, {6463, "tcp", "discord"},
		{63342, "tcp", "jetbrains"}, {8888, "tcp", "jupyter"}, {11434, "tcp", "ollama"}, {5173, "tcp", "vite"},
		{3000, "tcp", "nextjs"}, {3000, "tcp", "rails"}, {8000, "tcp", "django"}, {5000, "tcp", "flask"},
		{1313, "tcp", "hugo"}, {4000, "tcp", "jekyll"}, {8080, "tcp", "webpack-dev-server"}, {631, "tcp", "cups"},
		{5353, "udp", "avahi"}, {445, "tcp", "samba"}, {22, "tcp", "sshd"}, {53, "udp", "systemd-resolved"},
		{53, "tcp", "dnsmasq"}, {5432, "tcp", "postgresql"}, {3306, "tcp", "mysql"}, {6379, "tcp", "redis"},
	}
	for _, f := range facts {
		found := false
		for _, u := range ForPort(f.port, f.proto) {
			found = found || u.App == f.app
		}
		if !found {
			t.Errorf("ForPort(%d, %s) lacks %s", f.port, f.proto, f.app)
		}
	}
	const home = "/home/ann"
	known := []struct {
		p    Program
		port uint16
		app  string
	}{
		{Program{Exe: "/usr/bin/syncthing"}, 21027, "syncthing"},
		{Program{Exe: "/usr/lib/postgresql/17/bin/postgres"}, 5432, "postgresql"},
		{Program{Exe: "/usr/lib/systemd/systemd-resolved"}, 53, "systemd-resolved"},
		{Program{Exe: home + "/.dropbox-dist/dropbox-lnx.x86_64-212.4.5767/dropbox", Home: home}, 17600, "dropbox"},
		{Program{Exe: home + "/.local/share/JetBrains/Toolbox/apps/intellij-idea-community/bin/idea", Home: home}, 63342, "jetbrains"},
		{Program{AppID: "com.discordapp.Discord"}, 6470, "discord"},
	}
	for _, k := range known {
		u, ok := Expects(k.p, k.port, "tcp")
		if k.app == "syncthing" || k.app == "systemd-resolved" {
			u, ok = Expects(k.p, k.port, "udp")
		}
		if !ok || u.App != k.app {
			t.Errorf("Expects(%+v, %d) = %+v, %v; want %s", k.p, k.port, u, ok, k.app)
		}
		if id, _, ok := Identify(k.p); !ok || id != k.app {
			t.Errorf("Identify(%+v) = %q, %v; want %s", k.p, id, ok, k.app)
		}
	}
	if _, ok := Expects(Program{Exe: "/tmp/.x/syncthing"}, 22000, "tcp"); ok {
		t.Error("a syncthing under /tmp is expected on 22000")
	}
}

// TestREADMEHash checks that data/README.md records the sha256 of the
// shipped file, so the provenance record follows an edit of it.
func TestREADMEHash(t *testing.T) {
	b, err := os.ReadFile("../../data/programs/programs.csv")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if h := hex.EncodeToString(sum[:]); !strings.Contains(string(readme), h) {
		t.Errorf("data/README.md lacks the sha256 of programs/programs.csv (%s)", h)
	}
}
