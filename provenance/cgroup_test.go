package provenance

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestParseCgroupSamples(t *testing.T) {
	const id = "4f3c9a1b2d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
	const podID = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
	const criID = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
	tests := []struct {
		file       string
		unit       string
		scope      string
		container  *Container
		flatpak    string
		desktopIDs []string
		autostart  bool
		vte        bool
	}{
		{file: "system-service", unit: "cups.service", scope: "system"},
		{file: "vte-spawn", unit: "vte-spawn-0c7f2f9e-3a1d-4b51-9a8e-5b3c1e0d9f00.scope", scope: "user", vte: true},
		{file: "flatpak-scope", unit: "app-flatpak-org.example.Chat-12345.scope", scope: "user", flatpak: "org.example.Chat"},
		{file: "gnome-scope", unit: "app-gnome-org.gnome.Terminal-4242.scope", scope: "user",
			desktopIDs: []string{"gnome-org.gnome.Terminal", "org.gnome.Terminal"}},
		{file: "autostart-service", unit: `app-hello\x2dtray@autostart.service`, scope: "user",
			desktopIDs: []string{"hello-tray"}, autostart: true},
		{file: "app-service", unit: "app-org.example.Editor@8c1f0b.service", scope: "user",
			desktopIDs: []string{"org.example.Editor"}},
		{file: "session", unit: "session-2.scope", scope: "system"},
		{file: "init", unit: "init.scope", scope: "system"},
		{file: "docker-systemd", unit: "docker-" + id + ".scope", scope: "system",
			container: &Container{Engine: "docker", ID: id}},
		{file: "docker-cgroupfs-hybrid", container: &Container{Engine: "docker", ID: id}},
		{file: "docker-cgroupfs-v1", container: &Container{Engine: "docker", ID: id}},
		{file: "podman-rootless", unit: "libpod-" + podID + ".scope", scope: "user",
			container: &Container{Engine: "podman", ID: podID}},
		{file: "podman-conmon", unit: "libpod-conmon-" + podID + ".scope", scope: "system",
			container: &Container{Engine: "podman", ID: podID}},
		{file: "containerd-cri", unit: "cri-containerd-" + criID + ".scope", scope: "system",
			container: &Container{Engine: "containerd", ID: criID}},
		{file: "containerd-cgroupfs", container: &Container{Engine: "containerd", ID: criID}},
		{file: "lxc", unit: "nginx.service", scope: "system", container: &Container{Engine: "lxc", Name: "web1"}},
		{file: "nspawn", unit: `systemd-nspawn@debian\x2dbox.service`, scope: "system",
			container: &Container{Engine: "systemd-nspawn", Name: "debian-box"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata/cgroup", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got := parseCgroup(cgroupPath(string(b)))
			if got.unit != tt.unit || got.unitScope != tt.scope {
				t.Errorf("unit = %q (%q), want %q (%q)", got.unit, got.unitScope, tt.unit, tt.scope)
			}
			switch {
			case (got.container == nil) != (tt.container == nil):
				t.Errorf("container = %+v, want %+v", got.container, tt.container)
			case got.container != nil && *got.container != *tt.container:
				t.Errorf("container = %+v, want %+v", *got.container, *tt.container)
			}
			if got.flatpakID != tt.flatpak || got.autostart != tt.autostart || got.vte != tt.vte {
				t.Errorf("flatpak %q autostart %v vte %v, want %q %v %v",
					got.flatpakID, got.autostart, got.vte, tt.flatpak, tt.autostart, tt.vte)
			}
			if !slices.Equal(got.desktopIDs, tt.desktopIDs) {
				t.Errorf("desktop ids = %q, want %q", got.desktopIDs, tt.desktopIDs)
			}
		})
	}
}

func TestProcStatCommWithParens(t *testing.T) {
	st, err := parseProcStat([]byte("4242 (a (b) c) S 17 4242 4242 34816 4242 4194560 " +
		"1 0 0 0 0 0 0 0 20 0 1 0 98765 1000 100 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"))
	if err != nil {
		t.Fatal(err)
	}
	if st.comm != "a (b) c" || st.ppid != 17 || st.ttyNr != 34816 || st.startTime != 98765 {
		t.Errorf("parsed %+v", st)
	}
}
