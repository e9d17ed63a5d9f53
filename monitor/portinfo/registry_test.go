package portinfo

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portlight/data"
)

// registryXML is the verbatim registry shipped in data/. The test reads it
// with its own small parser, independent of data/internal/ianaxml.
const registryXML = "../../data/iana/service-names-port-numbers.xml"

type xmlRecord struct {
	Date        string `xml:"date,attr"`
	Updated     string `xml:"updated,attr"`
	Name        string `xml:"name"`
	Protocol    string `xml:"protocol"`
	Number      string `xml:"number"`
	Description struct {
		Text  string `xml:",chardata"` // character data only; markup dropped
		Inner string `xml:",innerxml"`
	} `xml:"description"`
	Unauthorized *string `xml:"unauthorized"`
	Xrefs        []struct {
		Type string `xml:"type,attr"`
	} `xml:"xref"`
	Assignee *struct {
		Xrefs []struct {
			Type string `xml:"type,attr"`
		} `xml:"xref"`
	} `xml:"assignee"`
}

type xmlRegistry struct {
	Updated string      `xml:"updated"`
	Records []xmlRecord `xml:"record"`
}

func readRegistryXML(t *testing.T) xmlRegistry {
	t.Helper()
	f, err := os.Open(registryXML)
	if err != nil {
		t.Fatalf("the verbatim registry must be in data/: %v", err)
	}
	defer f.Close()
	var reg xmlRegistry
	if err := xml.NewDecoder(f).Decode(&reg); err != nil {
		t.Fatalf("decode %s: %v", registryXML, err)
	}
	return reg
}

func xmlRange(t *testing.T, num string) (lo, hi int) {
	a, b, ok := strings.Cut(num, "-")
	if !ok {
		b = a
	}
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || lo > hi || hi > 65535 {
		t.Fatalf("registry number %q", num)
	}
	return lo, hi
}

// TestWholeRegistry checks Lookup against every port record of the XML:
// for every port 0–65535 and each of tcp, udp, sctp and dccp, the status
// and the set of services must be what the XML says, and each named
// record's dates, assignee and unauthorized-use note must come through.
func TestWholeRegistry(t *testing.T) {
	reg := readRegistryXML(t)
	if reg.Updated != data.IANAUpdated {
		t.Fatalf("XML updated %q, embedded %q: run go generate in data/", reg.Updated, data.IANAUpdated)
	}
	type key struct {
		proto string
		port  int
	}
	named := map[key][]string{}
	reserved := map[key]bool{}
	var portRecords, namedRecords int
	for _, r := range reg.Records {
		num := strings.TrimSpace(r.Number)
		if num == "" {
			continue
		}
		portRecords++
		protos := knownProtos
		if p := strings.TrimSpace(r.Protocol); p != "" {
			protos = []string{p}
		}
		lo, hi := xmlRange(t, num)
		name := strings.TrimSpace(r.Name)
		isReserved := strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Description.Text)), "reserved")
		for _, p := range protos {
			for port := lo; port <= hi; port++ {
				k := key{p, port}
				switch {
				case name != "":
					named[k] = append(named[k], name+"|"+num)
				case isReserved:
					reserved[k] = true
				}
			}
		}
		if name == "" {
			continue
		}
		namedRecords++
		// The record's own fields, at its first port, for each protocol.
		for _, p := range protos {
			info := Lookup(uint16(lo), p)
			i := slices.IndexFunc(info.Services, func(s Service) bool {
				return s.Name == name && s.Ports == num && s.Registered == r.Date && s.Modified == r.Updated
			})
			if i < 0 {
				t.Errorf("record %s %s/%s (date %q, updated %q) missing from Lookup(%d, %q): %+v",
					name, num, p, r.Date, r.Updated, lo, p, info.Services)
				continue
			}
			s := info.Services[i]
			if (r.Unauthorized != nil) != (s.UnauthorizedUse != "") {
				t.Errorf("%s %s/%s: unauthorized use %q, XML has <unauthorized>: %v", name, num, p, s.UnauthorizedUse, r.Unauthorized != nil)
			}
			hasPerson := slices.ContainsFunc(r.Xrefs, func(x struct {
				Type string `xml:"type,attr"`
			}) bool {
				return x.Type == "person"
			}) || r.Assignee != nil
			if hasPerson != (s.Assignee != "") {
				t.Errorf("%s %s/%s: assignee %q, XML names a person: %v", name, num, p, s.Assignee, hasPerson)
			}
			if !strings.Contains(r.Description.Inner, "<") {
				// Words hyphenated at a line end are joined ("routinely-generated").
				want := strings.ReplaceAll(strings.Join(strings.Fields(r.Description.Text), " "), "- ", "-")
				if strings.ReplaceAll(s.Description, "- ", "-") != want {
					t.Errorf("%s %s/%s: description %q, want %q", name, num, p, s.Description, want)
				}
			}
		}
	}
	if portRecords != data.IANARecords {
		t.Errorf("XML has %d port records, the embedded registry %d", portRecords, data.IANARecords)
	}
	if namedRecords < 10000 {
		t.Fatalf("only %d named port records parsed from the XML", namedRecords)
	}

	counts := map[Status]int{}
	for _, p := range knownProtos {
		for port := 0; port <= 65535; port++ {
			k := key{p, port}
			info := Lookup(uint16(port), p)
			want := Unassigned
			switch {
			case port >= 49152:
				want = StatusDynamic
			case len(named[k]) > 0:
				want = Assigned
			case reserved[k]:
				want = Reserved
			}
			if info.Status != want {
				t.Errorf("%d/%s: status %q, want %q", port, p, info.Status, want)
			}
			counts[info.Status]++
			var got []string
			for _, s := range info.Services {
				got = append(got, s.Name+"|"+s.Ports)
			}
			exp := slices.Clone(named[k])
			slices.Sort(got)
			slices.Sort(exp)
			if !slices.Equal(got, exp) {
				t.Errorf("%d/%s: services %q, want %q", port, p, got, exp)
			}
		}
	}
	t.Logf("%d port records (%d named); statuses over 4×65536 port/protocol pairs: %v", portRecords, namedRecords, counts)
}

// TestEveryPort looks up every port for every protocol, plus odd protocol
// names, and checks the answer is well formed.
func TestEveryPort(t *testing.T) {
	for _, p := range []string{"tcp", "udp", "sctp", "dccp", "UDP", "", "icmp"} {
		for port := 0; port <= 65535; port++ {
			info := Lookup(uint16(port), p)
			if info.Port != uint16(port) || info.Proto != NormalizeProto(p) || info.Range != RangeOf(uint16(port)) {
				t.Fatalf("%d/%q: port/proto/range = %d/%q/%q", port, p, info.Port, info.Proto, info.Range)
			}
			if (info.Status == StatusDynamic) != (port >= 49152) {
				t.Fatalf("%d/%q: status %q", port, p, info.Status)
			}
			switch info.Status {
			case Assigned, Reserved, Unassigned, StatusDynamic:
			default:
				t.Fatalf("%d/%q: status %q", port, p, info.Status)
			}
			if info.Services == nil || info.Unofficial == nil || info.RegistryDate != "2026-08-17" {
				t.Fatalf("%d/%q: nil slices or registry date %q", port, p, info.RegistryDate)
			}
			if (info.Status == Assigned) != (len(info.Services) > 0) {
				t.Fatalf("%d/%q: status %q with %d services", port, p, info.Status, len(info.Services))
			}
			for _, u := range info.Unofficial {
				if u.Use == "" || u.Source == "" || u.Kind == "" {
					t.Fatalf("%d/%q: incomplete unofficial use %+v", port, p, u)
				}
			}
		}
	}
}

// TestNoRowPorts checks the ports the data README lists as having no
// registry row at all for one protocol: they are unassigned, with nothing.
func TestNoRowPorts(t *testing.T) {
	noRow := map[string][]uint16{
		"tcp": {716, 1008, 4502, 5090, 5091, 9082, 9901, 9902, 11997, 11998, 11999, 25471, 29169, 36423, 36424, 36443, 36444},
		"udp": {2376, 4502, 4913, 5090, 5091, 5883, 9082, 9876, 9902, 11997, 11998, 11999, 21801, 25471, 29169, 36423, 36424, 36443, 36444},
	}
	for p, ports := range noRow {
		for _, port := range ports {
			info := Lookup(port, p)
			if info.Status != Unassigned || len(info.Services) != 0 || len(info.Unnamed) != 0 {
				t.Errorf("%d/%s: %q, %d services, %d unnamed rows; want unassigned with no rows", port, p, info.Status, len(info.Services), len(info.Unnamed))
			}
		}
	}
}

func hasUse(info Info, kind, substr string) bool {
	return slices.ContainsFunc(info.Unofficial, func(u Unofficial) bool {
		return u.Kind == kind && strings.Contains(u.Use, substr)
	})
}

// TestSpotChecks checks the ports of the data README's tables.
func TestSpotChecks(t *testing.T) {
	tests := []struct {
		port     uint16
		proto    string
		status   Status
		services []string // must all be present
		uses     [][2]string
		notUses  [][2]string
	}{
		{2476, "tcp", Assigned, []string{"ace-svr-prop"}, nil, [][2]string{{KindAttack, ""}}},
		{2476, "udp", Assigned, []string{"ace-svr-prop"}, nil, nil},
		{31337, "tcp", Assigned, []string{"eldim"}, [][2]string{{KindCommunity, "Back Orifice"}, {KindAttack, "DarkVishnya"}}, nil},
		{12345, "tcp", Assigned, []string{"italk"}, [][2]string{{KindCommunity, "NetBus"}, {KindCommunity, "Little Fighter 2"}}, nil},
		{12345, "udp", Assigned, []string{"italk"}, [][2]string{{KindCommunity, "NetBus"}}, [][2]string{{KindCommunity, "Little Fighter 2"}}},
		{6667, "tcp", Assigned, []string{"ircu"}, nil, nil},
		{6665, "tcp", Assigned, []string{"ircu"}, nil, nil},
		{6667, "udp", Reserved, nil, nil, nil},
		{4444, "tcp", Assigned, []string{"krb524", "nv-video"}, [][2]string{
			{KindAttack, "DarkVishnya (group G0105)"}, {KindAttack, "campaign C0032"},
			{KindCommunity, "Metasploit"}, {KindCommunity, "I2P"}}, nil},
		{4444, "udp", Assigned, []string{"krb524", "nv-video"}, [][2]string{{KindAttack, "DarkVishnya"}}, [][2]string{{KindCommunity, "I2P"}}},
		{5173, "tcp", Unassigned, nil, [][2]string{{KindDevServer, "Vite: dev server default"}}, nil},
		{5173, "udp", Unassigned, nil, nil, [][2]string{{KindDevServer, "Vite"}}},
		{4173, "tcp", Reserved, nil, [][2]string{{KindDevServer, "Vite: preview server default"}}, nil},
		{4173, "udp", Assigned, []string{"mma-discovery"}, nil, nil},
		{4200, "tcp", Assigned, []string{"vrml-multi-use"}, [][2]string{{KindDevServer, "Angular CLI"}}, nil},
		{5000, "tcp", Assigned, []string{"commplex-main"}, [][2]string{{KindDevServer, "Flask"}}, nil},
		{8000, "tcp", Assigned, []string{"irdmi"}, [][2]string{{KindDevServer, "Django"}}, nil},
		{8080, "tcp", Assigned, []string{"http-alt"}, [][2]string{{KindAttack, "PingPull"}, {KindAttack, "Suckfly (group"}}, nil},
		{1337, "tcp", Assigned, []string{"menandmice-dns"}, nil, [][2]string{{KindAttack, ""}}},
		{50050, "tcp", StatusDynamic, nil, nil, [][2]string{{KindAttack, ""}}},
		{716, "tcp", Unassigned, nil, nil, nil},
		{50000, "tcp", StatusDynamic, nil, [][2]string{{KindAttack, "Emotet"}}, nil},
		{50000, "udp", StatusDynamic, nil, [][2]string{{KindAttack, "Industroyer"}}, nil},
	}
	for _, tt := range tests {
		info := Lookup(tt.port, tt.proto)
		id := fmt.Sprintf("%d/%s", tt.port, tt.proto)
		if info.Status != tt.status {
			t.Errorf("%s: status %q, want %q", id, info.Status, tt.status)
		}
		for _, n := range tt.services {
			if !slices.Contains(names(info.Services), n) {
				t.Errorf("%s: no service %q in %q", id, n, names(info.Services))
			}
		}
		for _, u := range tt.uses {
			if !hasUse(info, u[0], u[1]) {
				t.Errorf("%s: no %s use containing %q in %q", id, u[0], u[1], uses(info.Unofficial))
			}
		}
		for _, u := range tt.notUses {
			if hasUse(info, u[0], u[1]) {
				t.Errorf("%s: unexpected %s use containing %q in %q", id, u[0], u[1], uses(info.Unofficial))
			}
		}
	}

	// IANA's own note on 4444.
	for _, s := range Lookup(4444, "tcp").Services {
		if s.UnauthorizedUse != "krb524 assigned the port, nv used it without an assignment" {
			t.Errorf("4444/tcp %s: unauthorized use %q", s.Name, s.UnauthorizedUse)
		}
	}
	// ace-svr-prop has no assignee, contact or dates.
	if s := Lookup(2476, "tcp").Services[0]; s.Description != "ACE Server Propagation" || s.Assignee != "" || s.Registered != "" {
		t.Errorf("2476/tcp = %+v", s)
	}
	// ircu comes from the 6665-6669 range.
	if s := Lookup(6667, "tcp").Services[0]; s.Ports != "6665-6669" || s.Assignee != "Brian Tackett" {
		t.Errorf("6667/tcp = %+v", s)
	}
	// DarkVishnya once per port even if listed under several techniques,
	// and ATT&CK never called "malicious".
	for _, port := range []uint16{443, 4444, 8080} {
		seen := map[string]int{}
		for _, u := range Lookup(port, "tcp").Unofficial {
			if u.Kind == KindAttack {
				seen[u.URL]++
				if strings.Contains(strings.ToLower(u.Use), "is malicious") || !strings.HasPrefix(u.Use, "MITRE ATT&CK v18.1: port") {
					t.Errorf("%d: ATT&CK use %q", port, u.Use)
				}
			}
		}
		for url, n := range seen {
			if n > 1 {
				t.Errorf("%d/tcp: %s listed %d times", port, url, n)
			}
		}
	}
}

// TestEveryUnofficialRowShows reads the shipped Wikipedia and ATT&CK files
// and checks each row reaches Lookup at its first port.
func TestEveryUnofficialRowShows(t *testing.T) {
	wr, err := csv.NewReader(data.Wikipedia()).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, r := range wr[1:] { // port,tcp,udp,... from column 1
		port, status, desc := r[1], r[6], r[7]
		if strings.HasPrefix(status, "Official") || desc == "" {
			continue
		}
		first, _, _ := strings.Cut(strings.ReplaceAll(port, "–", "-"), "-")
		n, err := strconv.Atoi(first)
		if err != nil {
			t.Fatalf("Wikipedia port %q", port)
		}
		proto := "tcp"
		if r[2] == "" || strings.EqualFold(r[2], "no") {
			if r[3] != "" && !strings.EqualFold(r[3], "no") {
				proto = "udp"
			} else if r[4] != "" {
				proto = "sctp"
			}
		}
		if !hasUse(Lookup(uint16(n), proto), KindCommunity, desc) {
			t.Errorf("Wikipedia row %q %q (tcp %q udp %q) not in Lookup(%d, %s)", port, desc, r[2], r[3], n, proto)
		}
		shown++
	}
	ar, err := csv.NewReader(data.AttackPorts()).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ar[1:] {
		first, _, _ := strings.Cut(r[0], "-")
		n, _ := strconv.Atoi(first)
		proto := r[1]
		if proto == "" {
			proto = "tcp"
		}
		info := Lookup(uint16(n), proto)
		url := fmt.Sprintf("/%s/", r[3])
		if !slices.ContainsFunc(info.Unofficial, func(u Unofficial) bool { return u.Kind == KindAttack && strings.HasSuffix(u.URL, url) }) {
			t.Errorf("ATT&CK row %s %s (%s) not in Lookup(%d, %s)", r[0], r[2], r[3], n, proto)
		}
	}
	t.Logf("%d Wikipedia rows and %d ATT&CK rows found through Lookup", shown, len(ar)-1)
}
