package launch

import (
	"errors"
	"strings"
	"testing"

	"portlight/app/handoff"
	"portlight/cmdline"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args []string
		want handoff.Request
		ok   bool
	}{
		{[]string{"explain", "2476/tcp"}, handoff.Request{Kind: handoff.Explain, Port: 2476, Proto: "tcp"}, true},
		{[]string{"explain", "53/udp", "--pid", "77"}, handoff.Request{Kind: handoff.Explain, Port: 53, Proto: "udp", PID: 77}, true},
		{[]string{"explain", "--pid=9", "5173"}, handoff.Request{Kind: handoff.Explain, Port: 5173, Proto: "tcp", PID: 9}, true},
		{[]string{"listeners"}, handoff.Request{Kind: handoff.Listeners}, true},
		{[]string{"settings"}, handoff.Request{Kind: handoff.Settings}, true},
		{[]string{"history"}, handoff.Request{Kind: handoff.History}, true},
		{[]string{"history", "--port", "5432"}, handoff.Request{Kind: handoff.History, Port: 5432}, true},
		{[]string{"history", "--port=53/udp", "--exe", "/usr/sbin/dnsmasq"}, handoff.Request{Kind: handoff.History, Port: 53, Proto: "udp", Exe: "/usr/sbin/dnsmasq"}, true},
		{[]string{"history", "-exe=/usr/bin/node"}, handoff.Request{Kind: handoff.History, Exe: "/usr/bin/node"}, true},
		{[]string{"history", "--port"}, handoff.Request{}, false},
		{[]string{"history", "--port", "0"}, handoff.Request{}, false},
		{[]string{"history", "--port", "ssh"}, handoff.Request{}, false},
		{[]string{"history", "--exe="}, handoff.Request{}, false},
		{[]string{"history", "--since", "7d"}, handoff.Request{}, false},
		{[]string{"history", "5432"}, handoff.Request{}, false},
		{nil, handoff.Request{}, false},
		{[]string{"explain"}, handoff.Request{}, false},
		{[]string{"explain", "22", "23"}, handoff.Request{}, false},
		{[]string{"explain", "22", "--pid"}, handoff.Request{}, false},
		{[]string{"explain", "22", "--pid", "-3"}, handoff.Request{}, false},
		{[]string{"explain", "22", "--verbose"}, handoff.Request{}, false},
		{[]string{"explain", "99999"}, handoff.Request{}, false},
		{[]string{"listeners", "x"}, handoff.Request{}, false},
		{[]string{"tray"}, handoff.Request{}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.args)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v ok=%v", tt.args, got, err, tt.want, tt.ok)
		}
		if err == nil && got.Validate() != nil {
			t.Errorf("Parse(%q) = %+v, which handoff refuses: %v", tt.args, got, got.Validate())
		}
		if err != nil && !errors.Is(err, cmdline.ErrUsage) {
			t.Errorf("Parse(%q) error %v does not wrap cmdline.ErrUsage", tt.args, err)
		}
	}
}

func TestHistoryRequestValidate(t *testing.T) {
	if err := (handoff.Request{Kind: handoff.History, Port: 22, Proto: "dccp"}).Validate(); err == nil {
		t.Error("a history request for dccp passed validation")
	}
	if err := (handoff.Request{Kind: handoff.History, Port: 2905, Proto: "sctp"}).Validate(); err != nil {
		t.Errorf("history request for sctp: %v", err)
	}
	if err := (handoff.Request{Kind: handoff.History, Exe: "/usr/bin/node"}).Validate(); err != nil {
		t.Errorf("history request by program: %v", err)
	}
}

// TestParseTakesTheTable builds a command line from every form and flag
// of `ui` in cmdline.Commands and checks that the parser takes it, so the
// usage text and the man page cannot offer what the parser refuses.
func TestParseTakesTheTable(t *testing.T) {
	c, ok := cmdline.Lookup("ui")
	if !ok || len(c.Forms) < 4 {
		t.Fatalf("cmdline.Commands has no ui command with its windows: %+v", c)
	}
	sample := map[string]string{"PORT[/PROTO]": "53/udp", "N": "42", "N[/PROTO]": "5432/tcp", "PATH": "/usr/bin/node"}
	for _, f := range c.Forms {
		var args []string
		for _, w := range strings.Fields(f.Operands) {
			if v, ok := sample[w]; ok {
				w = v
			}
			args = append(args, w)
		}
		for _, fl := range f.Flags {
			v, ok := sample[fl.Arg]
			if !ok {
				t.Fatalf("no sample value for %s", fl.Arg)
			}
			args = append(args, "--"+fl.Name, v)
		}
		r, err := Parse(args)
		if err != nil {
			t.Errorf("Parse(%q) from the table: %v", args, err)
			continue
		}
		if string(r.Kind) != args[0] {
			t.Errorf("Parse(%q) opens %q", args, r.Kind)
		}
	}
	if !strings.Contains(Usage(), "portlight ui history [--port N[/PROTO]] [--exe PATH]") {
		t.Errorf("Usage lacks the history window: %q", Usage())
	}
}

// TestArgsRoundTrip: the arguments the tray starts portlight-ui with are
// read back by Parse as the same request, for every kind of window.
func TestArgsRoundTrip(t *testing.T) {
	for _, r := range []handoff.Request{
		{Kind: handoff.Explain, Port: 2476, Proto: "tcp"},
		{Kind: handoff.Explain, Port: 53, Proto: "udp", PID: 77},
		{Kind: handoff.Listeners},
		{Kind: handoff.Settings},
		{Kind: handoff.Home},
		{Kind: handoff.Welcome},
		{Kind: handoff.History},
		{Kind: handoff.History, Port: 5432},
		{Kind: handoff.History, Port: 53, Proto: "udp", Exe: "/usr/sbin/dnsmasq"},
		{Kind: handoff.History, Exe: "/opt/my app/-dash"},
	} {
		args := Args(r)
		got, err := Parse(args)
		if err != nil || got != r {
			t.Errorf("Parse(Args(%+v)) = Parse(%q) = %+v, %v", r, args, got, err)
		}
	}
}
