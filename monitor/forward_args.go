package monitor

// What each forwarder's command line says it forwards: docker-proxy's
// flags, pasta's port specs, slirp4netns's target. Any program can take
// these names and arguments; forward.go decides what a claim may link.

import (
	"bytes"
	"strconv"
	"strings"
)

// dockerProxy is what docker-proxy's command line says it forwards.
type dockerProxy struct {
	proto         Proto
	hostIP        string
	hostPort      uint16
	containerIP   string
	containerPort uint16
}

// parseDockerProxy reads docker-proxy's flags (Go flag syntax: -name value,
// -name=value, one or two dashes): -proto -host-ip -host-port
// -container-ip -container-port.
func parseDockerProxy(args []string) (dockerProxy, bool) {
	d := dockerProxy{proto: TCP}
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				break
			}
			i++
			val = args[i]
		}
		switch name {
		case "proto":
			d.proto = Proto(val)
		case "host-ip":
			d.hostIP = val
		case "host-port":
			d.hostPort = parsePort(val)
		case "container-ip":
			d.containerIP = val
		case "container-port":
			d.containerPort = parsePort(val)
		}
	}
	return d, d.hostPort != 0 && d.containerPort != 0 && (d.proto == TCP || d.proto == UDP)
}

func parsePort(s string) uint16 {
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(v)
}

// pastaArgs is what pasta's command line says: the ports it forwards from
// the host (-t/--tcp-ports, -u/--udp-ports) and the namespace it serves (a
// PID, --netns PATH, or else the command it started).
type pastaArgs struct {
	tcp, udp []portMap
	pid      int32
	netns    string
}

// portMap maps host ports [first, last] to target ports starting at to.
type portMap struct {
	first, last, to uint16
}

// target is the port inside that host port maps to; 0 when not forwarded.
func (p pastaArgs) target(proto Proto, port uint16) uint16 {
	maps := p.tcp
	if proto == UDP {
		maps = p.udp
	}
	for _, m := range maps {
		if port >= m.first && port <= m.last {
			return m.to + (port - m.first)
		}
	}
	return 0
}

// pastaValued are pasta's options that take a value as the next argument.
var pastaValued = map[string]bool{
	"-t": true, "--tcp-ports": true, "-u": true, "--udp-ports": true, "-T": true, "-U": true,
	"--tcp-ns": true, "--udp-ns": true, "--netns": true, "--userns": true, "-i": true, "--interface": true,
	"-o": true, "--outbound": true, "-a": true, "--address": true, "-n": true, "--netmask": true,
	"-g": true, "--gateway": true, "-D": true, "--dns": true, "-m": true, "--mtu": true,
	"-M": true, "--mac-addr": true, "-P": true, "--pid": true, "-l": true, "--log-file": true,
	"-I": true, "--ns-ifname": true, "--runas": true, "--dns-forward": true, "-S": true, "--search": true,
	"--map-host-loopback": true, "--map-guest-addr": true, "--outbound-if4": true, "--outbound-if6": true,
	"--fd": true, "-F": true,
}

// parsePasta reads the port forwards and the target of a pasta command line.
// Port specs: [ADDR[%IF]/]FIRST[-LAST][:TO[-TOLAST]], comma separated, as
// in pasta(1); "auto", "all", "none" and exclusions (~) name no fixed map.
func parsePasta(args []string) pastaArgs {
	var p pastaArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break // the command pasta starts: its namespace is pasta's children's
		}
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			name, val, hasVal = strings.Cut(a, "=")
		} else if len(a) > 2 && a[0] == '-' && pastaValued[a[:2]] {
			name, val, hasVal = a[:2], a[2:], true
		}
		if pastaValued[name] && !hasVal {
			if i+1 >= len(args) {
				break
			}
			i++
			val = args[i]
		}
		switch {
		case name == "-t" || name == "--tcp-ports":
			p.tcp = append(p.tcp, parsePortSpecs(val)...)
		case name == "-u" || name == "--udp-ports":
			p.udp = append(p.udp, parsePortSpecs(val)...)
		case name == "--netns":
			p.netns = val
		case !strings.HasPrefix(a, "-"):
			if v, err := strconv.ParseInt(a, 10, 32); err == nil && v > 0 {
				p.pid = int32(v)
			} else if strings.HasPrefix(a, "/") {
				p.netns = a
			}
			return p // the rest is a command
		}
	}
	return p
}

func parsePortSpecs(spec string) []portMap {
	var out []portMap
	for _, part := range strings.Split(spec, ",") {
		if i := strings.LastIndexByte(part, '/'); i >= 0 {
			part = part[i+1:]
		}
		if part == "" || strings.HasPrefix(part, "~") {
			continue
		}
		host, to, mapped := strings.Cut(part, ":")
		first, last, ok := parseRange(host)
		if !ok {
			continue
		}
		m := portMap{first: first, last: last, to: first}
		if mapped {
			t, _, ok := parseRange(to)
			if !ok {
				continue
			}
			m.to = t
		}
		out = append(out, m)
	}
	return out
}

func parseRange(s string) (first, last uint16, ok bool) {
	a, b, isRange := strings.Cut(s, "-")
	first = parsePort(a)
	last = first
	if isRange {
		last = parsePort(b)
	}
	return first, last, first != 0 && last >= first
}

// parseSlirp4netns reads slirp4netns's target: its first positional
// argument, a PID or (with --netns-type=path) a namespace file.
func parseSlirp4netns(args []string) (pid int32, path string) {
	valued := map[string]bool{"-r": true, "-e": true, "-a": true, "-m": true, "--ready-fd": true,
		"--exit-fd": true, "--api-socket": true, "--mtu": true, "--cidr": true, "--netns-type": true,
		"--userns-path": true, "--outbound-addr": true, "--outbound-addr6": true, "--macaddress": true,
		"--target-type": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if valued[a] {
				i++
			}
			continue
		}
		if v, err := strconv.ParseInt(a, 10, 32); err == nil && v > 0 {
			return int32(v), ""
		}
		return 0, a
	}
	return 0, ""
}

// parseFibTrieLocal returns the local IPv4 addresses of a /proc/net/fib_trie:
// an address line ("|-- 10.88.0.2") followed by "/32 host LOCAL".
func parseFibTrieLocal(b []byte) []string {
	var out []string
	last := ""
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if a, ok := bytes.CutPrefix(t, []byte("|-- ")); ok {
			last = string(a)
			continue
		}
		if bytes.HasPrefix(t, []byte("/32 host LOCAL")) && last != "" {
			dup := false
			for _, o := range out {
				dup = dup || o == last
			}
			if !dup {
				out = append(out, last)
			}
		}
	}
	return out
}
