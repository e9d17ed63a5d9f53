package portinfo

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// fixtureDB builds a DB from the small files in testdata/.
func fixtureDB(t testing.TB) *DB {
	t.Helper()
	open := func(name string) *os.File {
		f, err := os.Open("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	db, err := NewDB(Sources{
		IANA:            open("iana.csv"),
		RegistryDate:    "2026-08-17",
		Wikipedia:       open("wikipedia.csv"),
		DevServers:      open("devservers.csv"),
		Attack:          open("attack.csv"),
		AttackCitations: open("citations.csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func names(svcs []Service) []string {
	out := []string{}
	for _, s := range svcs {
		out = append(out, s.Name)
	}
	return out
}

func uses(us []Unofficial) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Kind+": "+u.Use)
	}
	return out
}

func TestFixtureLookup(t *testing.T) {
	db := fixtureDB(t)
	tests := []struct {
		port     uint16
		proto    string
		status   Status
		services []string
		unnamed  []string // descriptions
		uses     []string // "kind: prefix of Use"
	}{
		{4444, "tcp", Assigned, []string{"krb524", "nv-video"}, nil, []string{
			"community: Metasploit's default listener port",
			"community: I2P HTTP/S proxy (ports 4444–4445)",
			"attack: MITRE ATT&CK v18.1: port 4444 has been used by campaign C0032. During the C0032 campaign",
		}},
		{4444, "udp", Assigned, []string{"krb524"}, nil, []string{
			"community: Metasploit's default listener port",
			"attack: MITRE ATT&CK v18.1: port 4444 has been used by campaign C0032.",
		}},
		{4445, "tcp", Unassigned, nil, nil, []string{"community: I2P HTTP/S proxy (ports 4444–4445)"}},
		{6667, "tcp", Assigned, []string{"ircu"}, nil, nil}, // Wikipedia's Official row is left to IANA
		{6669, "udp", Reserved, nil, []string{"Reserved"}, nil},
		{24, "udp", Unassigned, nil, []string{"any private mail system"}, nil},
		{1021, "sctp", Assigned, []string{"exp1"}, nil, nil},
		{1021, "quic", Assigned, []string{"exp1"}, nil, nil}, // protocol-less rows apply to any protocol
		{5173, "tcp", Unassigned, nil, []string{"Unassigned"}, []string{"dev-server: Vite: dev server default (vite / vite dev); since Vite 3.0 (2022); was 3000 before. If 5173 is busy"}},
		{5173, "udp", Unassigned, nil, []string{"Unassigned"}, nil},
		{5000, "tcp", Unassigned, nil, nil, []string{"dev-server: Flask: development server default (flask run)"}},
		{12345, "udp", Unassigned, nil, nil, []string{"community: NetBus remote administration tool (often Trojan horse)."}},
		{31337, "tcp", Unassigned, nil, nil, []string{"community: Back Orifice and Back Orifice 2000"}},
		{31337, "udp", Unassigned, nil, nil, nil},
		{31338, "udp", Unassigned, nil, nil, []string{"community: UDP only"}},
		{31338, "tcp", Unassigned, nil, nil, nil},
		{31339, "sctp", Unassigned, nil, nil, []string{"community: TCP and SCTP"}},
		{31339, "tcp", Unassigned, nil, nil, []string{"community: TCP and SCTP"}},
		{443, "tcp", Unassigned, nil, nil, []string{"attack: MITRE ATT&CK v18.1: port 443 has been named in firewall changes by APT38 (group G0082). APT38 have created"}},
		{1740, "udp", Unassigned, nil, nil, []string{"attack: MITRE ATT&CK v18.1: port 1740/udp has been targeted by INCONTROLLER (malware S1045)."}},
		{1740, "tcp", Unassigned, nil, nil, nil},
		{31850, "tcp", Unassigned, nil, nil, []string{"attack: MITRE ATT&CK v18.1: ports 31800-31900/tcp have been used by Derusbi"}},
		{31850, "udp", Unassigned, nil, nil, nil},
		{64738, "udp", StatusDynamic, nil, nil, []string{"community: Mumble"}},
		{716, "tcp", Unassigned, nil, nil, nil},
		{0, "TCP ", Reserved, nil, []string{"Reserved"}, nil},
	}
	for _, tt := range tests {
		info := db.Lookup(tt.port, tt.proto)
		id := fmt.Sprintf("%d/%s", tt.port, info.Proto)
		if info.Status != tt.status {
			t.Errorf("%s: status %q, want %q", id, info.Status, tt.status)
		}
		if got := names(info.Services); !slices.Equal(got, append([]string{}, tt.services...)) {
			t.Errorf("%s: services %q, want %q", id, got, tt.services)
		}
		var unnamed []string
		for _, u := range info.Unnamed {
			unnamed = append(unnamed, u.Description)
		}
		if !slices.Equal(unnamed, tt.unnamed) {
			t.Errorf("%s: unnamed %q, want %q", id, unnamed, tt.unnamed)
		}
		got := uses(info.Unofficial)
		if len(got) != len(tt.uses) {
			t.Errorf("%s: unofficial uses %q, want %d starting %q", id, got, len(tt.uses), tt.uses)
			continue
		}
		for i := range got {
			if !strings.HasPrefix(got[i], tt.uses[i]) {
				t.Errorf("%s: use %d = %q, want prefix %q", id, i, got[i], tt.uses[i])
			}
		}
		if info.RegistryDate != "2026-08-17" || info.Range != RangeOf(tt.port) || info.Port != tt.port {
			t.Errorf("%s: port/range/date = %d/%q/%q", id, info.Port, info.Range, info.RegistryDate)
		}
	}
}

func TestFixtureFields(t *testing.T) {
	db := fixtureDB(t)
	info := db.Lookup(1021, "udp")
	want := Service{Name: "exp1", Ports: "1021", Description: "RFC3692-style Experiment 1\nsecond line",
		Assignee: "IESG", Contact: "IETF Chair (IETF)", Reference: "RFC4727; RFC6335",
		Registered: "2001-01-01", Modified: "2002-02-02", Notes: "It is only appropriate"}
	if len(info.Services) != 1 || info.Services[0] != want {
		t.Errorf("1021/udp services = %+v, want [%+v]", info.Services, want)
	}
	if got := db.Lookup(4444, "tcp").Services[1].UnauthorizedUse; got != "krb524 assigned the port, nv used it without an assignment" {
		t.Errorf("4444/tcp nv-video unauthorized use = %q", got)
	}
	if got := db.Lookup(6666, "tcp").Services[0].Ports; got != "6665-6669" {
		t.Errorf("6666/tcp ircu ports = %q", got)
	}

	in := db.Lookup(1740, "udp").Unofficial[0]
	wantRefs := []Reference{
		{Title: "Author A. (2019, April 10). Report A. Retrieved April 16, 2019.", URL: "https://a.example/"},
		{Title: "Author B. (2020). Report B.", URL: "https://b.example/"},
	}
	if !slices.Equal(in.Refs, wantRefs) {
		t.Errorf("1740/udp refs = %+v, want %+v", in.Refs, wantRefs)
	}
	if in.URL != "https://attack.mitre.org/software/S1045/" || in.Kind != KindAttack || !strings.Contains(in.Source, "© 2025 The MITRE Corporation") {
		t.Errorf("1740/udp ATT&CK entry = %+v", in)
	}
	in.Refs[0].Title = "changed by a caller"
	if db.Lookup(1740, "udp").Unofficial[0].Refs[0].Title == "changed by a caller" {
		t.Error("Lookup hands out shared Refs: a caller's change leaked into the DB")
	}
	if u := db.Lookup(443, "tcp").Unofficial[0]; u.URL != "https://attack.mitre.org/groups/G0082/" {
		t.Errorf("group URL = %q", u.URL)
	}
	if u := db.Lookup(4444, "tcp").Unofficial[2]; u.URL != "https://attack.mitre.org/campaigns/C0032/" {
		t.Errorf("campaign URL = %q", u.URL)
	}
	w := db.Lookup(31337, "tcp").Unofficial[0]
	if w.Source != "Wikipedia, List of TCP and UDP port numbers, rev. 952066257 (community-reported, as of 2020; CC BY-SA 3.0)" ||
		!strings.Contains(w.URL, "oldid=952066257") {
		t.Errorf("Wikipedia source/URL = %q / %q", w.Source, w.URL)
	}
	d := db.Lookup(5173, "tcp").Unofficial[0]
	if d.URL != "https://github.com/vitejs/vite/pull/8148" || !strings.HasPrefix(d.Source, "Curated dev-server defaults, checked 2026-11-25") {
		t.Errorf("dev-server source/URL = %q / %q", d.Source, d.URL)
	}
}

func TestNilSources(t *testing.T) {
	db, err := NewDB(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	info := db.Lookup(80, "tcp")
	if info.Status != Unassigned || info.Services == nil || info.Unofficial == nil {
		t.Errorf("empty DB lookup = %+v", info)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		src  Sources
		want string
	}{
		{"iana header", Sources{IANA: strings.NewReader("a,b,c,d,e,f,g,h,i,j,k\n")}, "header column 1"},
		{"iana columns", Sources{IANA: strings.NewReader("only,three,columns\n")}, "read IANA header"},
		{"iana port", Sources{IANA: strings.NewReader(strings.Join(ianaColumns, ",") + "\nx,tcp,70000,,,,,,,,\n")}, "line 2"},
		{"iana backwards", Sources{IANA: strings.NewReader(strings.Join(ianaColumns, ",") + "\nx,tcp,9-3,,,,,,,,\n")}, "backwards"},
		{"wikipedia column", Sources{Wikipedia: strings.NewReader("port,tcp\n1,Yes\n")}, `no column "udp"`},
		{"wikipedia port", Sources{Wikipedia: strings.NewReader("table,port,tcp,udp,sctp,dccp,iana_status,description\nx,1–x,Yes,,,,Unofficial,y\n")}, "row 2"},
		{"attack port", Sources{Attack: strings.NewReader("port,protocol,software_name,software_attack_id,software_type,statement,citations,citation_urls,use\nport,,a,S1,malware,s,,,c2\n")}, "ATT&CK row 2"},
		{"dev port", Sources{DevServers: strings.NewReader("port,protocol,software,use,default_since,source_url,source_note,notes\n-1,tcp,a,b,,,,\n")}, "dev-server row 2"},
	}
	for _, tt := range tests {
		_, err := NewDB(tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// TestConcurrentLookup calls Lookup from several goroutines at once (run
// with -race to check the lazy load and the shared DB).
func TestConcurrentLookup(t *testing.T) {
	done := make(chan Status)
	for i := range 8 {
		go func() {
			var st Status
			for p := range 2000 {
				st = Lookup(uint16(p*31+i), "tcp").Status
			}
			done <- st
		}()
	}
	for range 8 {
		if st := <-done; st == "" {
			t.Error("empty status")
		}
	}
}
