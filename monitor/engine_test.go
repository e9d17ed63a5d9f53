package monitor

import (
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"unicode"
)

// A /containers/json answer as dockerd 24 gives it: exposed-only ports,
// IPv6 and empty IPs, UDP and SCTP, a stopped container (listed with all=1).
const containersJSON = `[
 {"Id":"8dfafdbc3a40","Names":["/web"],"Image":"nginx:1.25","ImageID":"sha256:9c7a","Command":"nginx","Created":1717000000,
  "State":"running","Status":"Up 5 minutes","Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},
  {"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":443,"Type":"tcp"}],"Labels":{},
  "HostConfig":{"NetworkMode":"bridge"},"NetworkSettings":{"Networks":{}},"Mounts":[]},
 {"Id":"9cd87474be90","Names":["/dns"],"Image":"coredns","State":"running","Ports":[{"PrivatePort":53,"PublicPort":5353,"Type":"udp"},
  {"IP":"127.0.0.1","PrivatePort":9,"PublicPort":9999,"Type":"sctp"}]},
 {"Id":"3176a2479c92","Names":["/old"],"Image":"busybox","State":"exited","Ports":[{"IP":"0.0.0.0","PrivatePort":1,"PublicPort":1,"Type":"tcp"}]}
]`

func TestPublishedPortsOfAnswer(t *testing.T) {
	cs, err := decodeContainers(strings.NewReader(containersJSON))
	if err != nil {
		t.Fatal(err)
	}
	got := publishedPorts("docker", cs)
	want := []pubPort{
		{TCP, netip.MustParseAddr("0.0.0.0"), 0, Published{"docker", "web", "8dfafdbc3a40", "nginx:1.25", "0.0.0.0", 8080, 80, false}},
		{TCP, netip.MustParseAddr("::"), 0, Published{"docker", "web", "8dfafdbc3a40", "nginx:1.25", "::", 8080, 80, false}},
		{UDP, netip.MustParseAddr("0.0.0.0"), 0, Published{"docker", "dns", "9cd87474be90", "coredns", "0.0.0.0", 5353, 53, false}},
	}
	if len(got) != len(want) {
		t.Fatalf("publishedPorts = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("port %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// An engine that floods is cut off at engineMaxBody.
func TestDecodeContainersBounded(t *testing.T) {
	flood := io.MultiReader(strings.NewReader("["), strings.NewReader(strings.Repeat(" ", engineMaxBody+10)))
	if _, err := decodeContainers(flood); !errors.Is(err, errEngineTooBig) {
		t.Errorf("a %d-byte answer: %v, want errEngineTooBig", engineMaxBody+11, err)
	}
	if _, err := decodeContainers(strings.NewReader(`{"message":"page not found"}`)); err == nil {
		t.Error("an error object decoded as a list")
	}
}

// Names and images are the engine's (anyone who can run a container
// chooses them): Describe shows them on one clean line.
func TestPublishedDescribeUntrusted(t *testing.T) {
	p := Published{Engine: "docker", Container: "web\x1b]0;owned\x07\nfake alert\u202e", Image: "evil\r\nimage",
		HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, NAT: true}
	d := p.Describe()
	for _, r := range d {
		if unicode.IsControl(r) || r == '\u202e' {
			t.Fatalf("Describe keeps control %U: %q", r, d)
		}
	}
	if !strings.Contains(d, "no host program listens") || !strings.Contains(d, "its port 80") {
		t.Errorf("Describe = %q", d)
	}
}

func TestCoveringListener(t *testing.T) {
	p := pubPort{proto: TCP, addr: netip.MustParseAddr("0.0.0.0"), Published: Published{HostPort: 8080}}
	rootless := p
	rootless.uid = 1000
	proxy := Listener{Proto: TCP, Address: "::", Port: 8080, Process: Process{PID: 5, Exe: "/usr/bin/docker-proxy"}}
	hidden := Listener{Proto: TCP, Address: "0.0.0.0", Port: 8080, OwnerHidden: true}
	other := Listener{Proto: TCP, Address: "0.0.0.0", Port: 8080, Process: Process{PID: 7, Exe: "/usr/bin/python3"}}
	inner := Listener{Proto: TCP, Address: "0.0.0.0", Port: 8080, OwnerHidden: true, Namespace: Namespace{ID: 9}}
	udp := Listener{Proto: UDP, Address: "0.0.0.0", Port: 8080, OwnerHidden: true}
	userProxy := Listener{Proto: TCP, Address: "0.0.0.0", Port: 8080, UID: 1000, Process: Process{PID: 6, Exe: "/usr/bin/rootlessport"}}
	fakeConmon := Listener{Proto: TCP, Address: "0.0.0.0", Port: 8080,
		Process: Process{PID: 8, Exe: "/tmp/x/conmon", Identity: ExeIdentity{State: ExeOK}}}
	type coverCase struct {
		name string
		ls   []Listener
		p    pubPort
		want int
	}
	cases := []coverCase{
		{"dual-stack docker-proxy", []Listener{proxy}, p, 0},
		{"a program named conmon outside the system folders", []Listener{other, fakeConmon}, p, -1},
		{"root's hidden owner", []Listener{other, hidden}, p, 1},
		{"another program: NAT takes the port first", []Listener{other}, p, -1},
		{"a container's own socket", []Listener{inner}, p, -1},
		{"another protocol", []Listener{udp}, p, -1},
		{"a rootless engine: root's hidden owner", []Listener{hidden}, rootless, -1},
		{"a rootless engine: root's docker-proxy", []Listener{proxy}, rootless, -1},
		{"a rootless engine: its user's forwarder", []Listener{hidden, userProxy}, rootless, 1},
	}
	if systemExecutable("/usr/bin/conmon") {
		conmon := Listener{Proto: TCP, Address: "0.0.0.0", Port: 8080,
			Process: Process{PID: 8, Exe: "/usr/bin/conmon", Identity: ExeIdentity{State: ExeOK}}}
		userConmon := conmon
		userConmon.UID = 1000
		replaced := conmon
		replaced.Identity.State = ExeReplaced
		cases = append(cases,
			coverCase{"podman's conmon", []Listener{other, conmon}, p, 1},
			coverCase{"conmon's path, another file running", []Listener{other, replaced}, p, -1},
			coverCase{"a user's conmon", []Listener{other, userConmon}, p, -1})
	} else {
		t.Log("no /usr/bin/conmon here: root's conmon not tried")
	}
	for _, c := range cases {
		if got := coveringListener(c.ls, c.p); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
