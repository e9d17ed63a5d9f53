package policy

import (
	"testing"

	"portlight/monitor"
)

// A port that only an engine's NAT rules serve has no process: it is named by
// the container it reaches, never "an unknown program"; a listener with a
// file is still named by its file.
func TestProgramNameOfPublishedPort(t *testing.T) {
	nat := Assessment{Listener: monitor.Listener{Port: 8080, Proto: monitor.TCP,
		Published: &monitor.Published{Engine: "docker", Container: "web\u202e", Image: "nginx", NAT: true}}}
	if got, want := ProgramName(nat), "docker container web"; got != want {
		t.Errorf("NAT entry: %q, want %q", got, want)
	}
	proxy := nat
	proxy.PID = 42
	proxy.Exe = "/usr/bin/docker-proxy"
	if got := ProgramName(proxy); got != "docker-proxy" {
		t.Errorf("forwarder: %q, want docker-proxy", got)
	}
	bare := Assessment{Listener: monitor.Listener{Port: 1, Proto: monitor.TCP}}
	if got := ProgramName(bare); got != "" {
		t.Errorf("no process, nothing published: %q", got)
	}
}
