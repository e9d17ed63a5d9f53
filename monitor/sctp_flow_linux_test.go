//go:build linux

package monitor_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"portlight/content"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
)

// sctpSource lists one SCTP listener, as the netlink source does where the
// kernel has SCTP, beside a TCP one.
type sctpSource struct{}

func (sctpSource) Sockets(context.Context) ([]monitor.Socket, error) {
	return []monitor.Socket{
		{Proto: monitor.SCTP, Family: monitor.IPv4, Address: netip.MustParseAddr("0.0.0.0"), Port: 3868, UID: 0},
		{Proto: monitor.TCP, Family: monitor.IPv4, Address: netip.MustParseAddr("127.0.0.1"), Port: 3868, UID: 0},
	}, nil
}

// An SCTP listener goes through the scanner, Diff, the policy, the
// explainer and JSON as "sctp": its own key, its port's SCTP registry row
// (3868 is Diameter), its reasons, and "3868/sctp" in the words.
func TestSCTPListenerFlows(t *testing.T) {
	sc := monitor.NewScanner(monitor.WithSource(sctpSource{}))
	defer sc.Close()
	snap, err := sc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var l monitor.Listener
	for _, x := range snap.Listeners {
		if x.Proto == monitor.SCTP {
			l = x
		}
	}
	if l.Proto != monitor.SCTP || l.Port != 3868 || !l.OwnerHidden {
		t.Fatalf("SCTP listener %+v in %+v", l, snap.Listeners)
	}
	evs := monitor.Diff(monitor.Snapshot{}, snap)
	if len(evs) != 2 || evs[0].Listener.Key() == evs[1].Listener.Key() || !strings.HasPrefix(l.Key(), "sctp ") {
		t.Errorf("events %+v, key %q: want two opened with distinct keys, the SCTP one starting \"sctp \"", evs, l.Key())
	}

	a := policy.Default().Assess(l)
	if len(a.PortInfo.Services) == 0 || a.PortInfo.Services[0].Name != "diameter" || len(a.Verdict.Reasons) == 0 {
		t.Errorf("assessment %+v: want reasons and the SCTP registry's diameter row", a)
	}
	b, err := json.Marshal(a)
	if err != nil || !strings.Contains(string(b), `"proto":"sctp"`) {
		t.Errorf("JSON %s (%v): want \"proto\":\"sctp\"", b, err)
	}

	e := content.Explain(content.Input{Port: 3868, Proto: string(l.Proto), Info: portinfo.Lookup(3868, "sctp"),
		Scanned: true, Now: []policy.Assessment{a}})
	if r := content.Report(e); !strings.Contains(r, "3868/sctp") {
		t.Errorf("the explainer's report does not say 3868/sctp:\n%s", r)
	}
}
