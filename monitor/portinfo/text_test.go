package portinfo

import (
	"strings"
	"testing"
)

func TestRangeText(t *testing.T) {
	tests := []struct {
		r    Range
		want string
	}{
		{WellKnown, "Well-known ports (0–1023)"},
		{Registered, "Registered ports (1024–49151), IANA's User Ports, are assigned by IANA to applications on request;"},
		{Dynamic, "Dynamic ports (49152–65535) are never assigned by IANA;"},
		{Range("bogus"), "Port ranges are defined by RFC 6335"},
	}
	for _, tt := range tests {
		if got := RangeText(tt.r); !strings.HasPrefix(got, tt.want) {
			t.Errorf("RangeText(%q) = %q, want prefix %q", tt.r, got, tt.want)
		}
	}
}

func TestWhatAndWhy(t *testing.T) {
	krb := Service{Name: "krb524", Description: "KRB524", UnauthorizedUse: "krb524 assigned the port, nv used it without an assignment"}
	nv := Service{Name: "nv-video", Description: "NV Video default"}
	svc := func(n string) Service { return Service{Name: n, Description: "Service " + n} }
	vite := Unofficial{Kind: KindDevServer, Use: "Vite: dev server default (vite / vite dev); since Vite 3.0"}
	attack := Unofficial{Kind: KindAttack, Use: "MITRE ATT&CK v18.1: port 4444 has been used by DarkVishnya"}
	tests := []struct {
		name     string
		info     Info
		what     string
		why      string
		whyExtra string
	}{
		{"unassigned dev server",
			Info{Port: 5173, Proto: "tcp", Range: Registered, Status: Unassigned, RegistryDate: "2026-08-17", Unofficial: []Unofficial{vite}},
			"IANA has assigned nothing to 5173/tcp (registry of 2026-08-17).",
			"No registered service is expected here, so a listener is a program's own choice, such as a development server or a tool's default.",
			"It is a known development-server default (Vite: dev server default (vite / vite dev)); if you did not start one, check which program owns the socket."},
		{"reserved",
			Info{Port: 4173, Proto: "tcp", Range: Registered, Status: Reserved, RegistryDate: "2026-08-17"},
			"IANA has reserved 4173/tcp and assigns it to no service (registry of 2026-08-17).",
			"No registered service is expected here",
			"Check which program owns the socket and whether it listens on the network or only on this machine."},
		{"assigned twice with IANA note and ATT&CK",
			Info{Port: 4444, Proto: "tcp", Range: Registered, Status: Assigned, RegistryDate: "2026-08-17", Services: []Service{krb, nv}, Unofficial: []Unofficial{vite, attack}},
			"IANA has assigned 4444/tcp to krb524 and nv-video (NV Video default) (registry of 2026-08-17). IANA notes unauthorized use: “krb524 assigned the port, nv used it without an assignment”.",
			"A program listening here may be krb524, but an assignment is not enforced: any program can listen on any free port.",
			"MITRE ATT&CK records this port in past intrusions, which is history, not a verdict: check which program owns the socket."},
		{"many services",
			Info{Port: 1, Proto: "udp", Status: Assigned, Services: []Service{svc("a"), svc("b"), svc("c"), svc("d"), svc("e")}},
			"IANA has assigned 1/udp to a (Service a), b (Service b), c (Service c) and 2 more.",
			"A program listening here may be a,", ""},
		{"name equals description, in other case",
			Info{Port: 3, Proto: "tcp", Status: Assigned, Services: []Service{krb}},
			"IANA has assigned 3/tcp to krb524. IANA notes unauthorized use: “krb524 assigned the port, nv used it without an assignment”.", "", ""},
		{"first line of description",
			Info{Port: 2, Proto: "tcp", Status: Assigned, Services: []Service{{Name: "x", Description: "Ex\nsecond line"}}},
			"IANA has assigned 2/tcp to x (Ex).", "", ""},
		{"unnamed row says more",
			Info{Port: 24, Proto: "tcp", Status: Unassigned, RegistryDate: "2026-08-17", Unnamed: []Service{{Description: "Unassigned"}, {Description: "any private mail system"}}},
			"IANA has assigned nothing to 24/tcp (registry of 2026-08-17). Its only entry there reads “any private mail system”.", "", ""},
		{"dynamic",
			Info{Port: 50000, Proto: "tcp", Range: Dynamic, Status: StatusDynamic, RegistryDate: "2026-08-17"},
			"50000/tcp is in the dynamic range, which IANA does not assign (registry of 2026-08-17).",
			"Programs often listen on dynamic ports for a while", ""},
		{"no date, no proto",
			Info{Port: 7, Status: Unassigned},
			"IANA has assigned nothing to 7.", "", ""},
	}
	for _, tt := range tests {
		e := Explain(tt.info)
		if e.What != tt.what {
			t.Errorf("%s: What\n got %q\nwant %q", tt.name, e.What, tt.what)
		}
		if !strings.HasPrefix(e.Why, tt.why) {
			t.Errorf("%s: Why\n got %q\nwant prefix %q", tt.name, e.Why, tt.why)
		}
		if tt.whyExtra != "" && !strings.HasSuffix(e.Why, " "+tt.whyExtra) {
			t.Errorf("%s: Why\n got %q\nwant suffix %q", tt.name, e.Why, tt.whyExtra)
		}
		if n := strings.Count(e.Why, ". ") + 1; n != 2 || !strings.HasSuffix(e.Why, ".") {
			t.Errorf("%s: Why is not two sentences: %q", tt.name, e.Why)
		}
		if e.Range != RangeText(tt.info.Range) {
			t.Errorf("%s: Range %q", tt.name, e.Range)
		}
		if strings.Contains(strings.ToLower(e.What+e.Why), "malicious") {
			t.Errorf("%s: text calls something malicious: %q %q", tt.name, e.What, e.Why)
		}
	}
}

// TestExplainEmbedded runs Explain over real lookups, as the CLI does.
func TestExplainEmbedded(t *testing.T) {
	e := Explain(Lookup(5173, "tcp"))
	if e.What != "IANA has assigned nothing to 5173/tcp (registry of 2026-08-17)." || !strings.Contains(e.Why, "Vite") {
		t.Errorf("5173/tcp: %+v", e)
	}
	e = Explain(Lookup(4444, "tcp"))
	if !strings.Contains(e.What, "krb524 and nv-video (NV Video default)") || !strings.Contains(e.What, "unauthorized use") || !strings.Contains(e.Why, "ATT&CK") {
		t.Errorf("4444/tcp: %+v", e)
	}
}
