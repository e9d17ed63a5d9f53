package monitor

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestForwarderKind(t *testing.T) {
	for _, c := range []struct {
		exe  string
		argv []string
		want string
	}{
		{"/usr/bin/docker-proxy", nil, ViaDockerProxy},
		{"/usr/libexec/docker/docker-proxy (deleted)", nil, ViaDockerProxy},
		{"/usr/bin/passt.avx2", []string{"pasta", "-t", "8080"}, ViaPasta},
		{"/usr/bin/passt", []string{"/usr/bin/passt", "-t", "8080"}, ""}, // passt serves a VM, not a namespace
		{"/usr/bin/pasta", nil, ViaPasta},
		{"/usr/bin/slirp4netns", nil, ViaSlirp4netns},
		{"", []string{"/usr/libexec/podman/rootlessport"}, ViaRootlessport},
		{"/usr/bin/python3", []string{"docker-proxy"}, ""}, // argv[0] is the program's say, not the file
	} {
		if got := forwarderKind(c.exe, c.argv); got != c.want {
			t.Errorf("forwarderKind(%q, %q) = %q, want %q", c.exe, c.argv, got, c.want)
		}
	}
}

func TestParseDockerProxy(t *testing.T) {
	args := strings.Fields("-proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 172.17.0.2 -container-port 80 -use-listen-fd")
	d, ok := parseDockerProxy(args)
	want := dockerProxy{proto: TCP, hostIP: "0.0.0.0", hostPort: 8080, containerIP: "172.17.0.2", containerPort: 80}
	if !ok || d != want {
		t.Errorf("parseDockerProxy = %+v %v, want %+v", d, ok, want)
	}
	d, ok = parseDockerProxy(strings.Fields("--proto=udp --host-port=53 --container-ip=10.0.0.5 --container-port=5353"))
	if !ok || d.proto != UDP || d.hostPort != 53 || d.containerPort != 5353 || d.containerIP != "10.0.0.5" {
		t.Errorf("= %+v %v", d, ok)
	}
	if _, ok := parseDockerProxy(strings.Fields("-proto sctp -host-port 1 -container-port 2")); ok {
		t.Error("sctp accepted")
	}
	if _, ok := parseDockerProxy(strings.Fields("-host-port")); ok {
		t.Error("a flag without a value accepted")
	}
}

func TestParsePasta(t *testing.T) {
	p := parsePasta(strings.Fields("--config-net -t 8080:80,9000-9002 -t127.0.0.1/2222:22 -u 53 -T none 4242"))
	for _, c := range []struct {
		proto Proto
		port  uint16
		want  uint16
	}{
		{TCP, 8080, 80}, {TCP, 9001, 9001}, {TCP, 2222, 22}, {TCP, 9003, 0}, {UDP, 53, 53}, {UDP, 8080, 0},
	} {
		if got := p.target(c.proto, c.port); got != c.want {
			t.Errorf("target(%s %d) = %d, want %d", c.proto, c.port, got, c.want)
		}
	}
	if p.pid != 4242 {
		t.Errorf("pid = %d, want 4242", p.pid)
	}
	p = parsePasta(strings.Fields("-t 8000-8001:9000 --netns /run/user/1000/netns/x -- sh -c 4242"))
	if p.netns != "/run/user/1000/netns/x" || p.pid != 0 || p.target(TCP, 8001) != 9001 {
		t.Errorf("parsePasta = %+v", p)
	}
	if q := parsePasta(strings.Fields("-t auto -t ~22 sh")); len(q.tcp) != 0 || q.pid != 0 {
		t.Errorf("auto and exclusions mapped: %+v", q)
	}
}

func TestParseSlirp4netns(t *testing.T) {
	pid, path := parseSlirp4netns(strings.Fields("--configure --mtu=65520 -r 3 -e 4 --api-socket /tmp/s 1234 tap0"))
	if pid != 1234 || path != "" {
		t.Errorf("= %d %q", pid, path)
	}
	pid, path = parseSlirp4netns(strings.Fields("--netns-type=path /run/user/1000/netns/n tap0"))
	if pid != 0 || path != "/run/user/1000/netns/n" {
		t.Errorf("= %d %q", pid, path)
	}
}

func TestParseNamespaceAddrs(t *testing.T) {
	fib := `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 172.17.0.0/16 2 0 2
        |-- 172.17.0.2
           /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
     |-- 127.0.0.1
        /32 host LOCAL
     |-- 172.17.0.2
        /32 host LOCAL
`
	if got := parseFibTrieLocal([]byte(fib)); !slices.Equal(got, []string{"172.17.0.2", "127.0.0.1"}) {
		t.Errorf("parseFibTrieLocal = %q", got)
	}
	v6 := "00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000003478e0fffee90b4f 02 40 20 80     tap0\n"
	if got := parseIfInet6([]byte(v6)); !slices.Equal(got, []string{"::1", "fe80::3478:e0ff:fee9:b4f"}) {
		t.Errorf("parseIfInet6 = %q", got)
	}
}

// A host listener's JSON has no namespace field (stable JSON); another
// namespace's has it, and its key tells it from the host's same endpoint.
func TestNamespaceJSONAndKey(t *testing.T) {
	host := Listener{Proto: TCP, Address: "0.0.0.0", Port: 80, Namespace: Namespace{ID: 4026531833, Host: true}}
	inner := host
	inner.Namespace = Namespace{ID: 4026532177}
	b, _ := json.Marshal(host)
	if strings.Contains(string(b), `"namespace"`) || strings.Contains(string(b), `"container"`) {
		t.Errorf("host JSON has namespace fields: %s", b)
	}
	b, _ = json.Marshal(inner)
	if !strings.Contains(string(b), `"namespace":{"id":4026532177,"host":false}`) {
		t.Errorf("inner JSON: %s", b)
	}
	if host.Key() != "tcp 0.0.0.0:80" || inner.Key() != "tcp 0.0.0.0:80 net:[4026532177]" {
		t.Errorf("keys %q %q", host.Key(), inner.Key())
	}
	ev := Diff(Snapshot{Listeners: []Listener{host}}, Snapshot{Listeners: []Listener{host, inner}})
	if len(ev) != 1 || ev[0].Kind != Opened || ev[0].Listener.Namespace.ID != 4026532177 {
		t.Errorf("Diff = %+v, want the inner listener opened", ev)
	}
}

func TestForwardDescribe(t *testing.T) {
	f := Forward{Via: ViaDockerProxy, PID: 812, Proto: TCP, HostAddress: "0.0.0.0", HostPort: 8080,
		InnerAddress: "172.17.0.2", InnerPort: 80, Namespace: 4026532177}
	want := "docker-proxy (pid 812) forwards host 0.0.0.0:8080/tcp to 172.17.0.2:80 in net:[4026532177]"
	if got := f.Describe(); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	f = Forward{Via: ViaSlirp4netns, PID: 9, Proto: UDP, HostAddress: "::", HostPort: 53}
	if got := f.Describe(); got != "slirp4netns (pid 9) forwards host [::]:53/udp to another network namespace" {
		t.Errorf("Describe = %q", got)
	}
}
