package resident

import (
	"testing"

	"portlight/content/notice"
	"portlight/monitor"
	"portlight/monitor/policy"
	"portlight/monitor/portinfo"
)

func alerting(port uint16, name string, exp monitor.Exposure) policy.Assessment {
	l := lst("0.0.0.0", port, 10, name)
	l.Exposure = exp
	return policy.Assessment{Listener: l,
		PortInfo: portinfo.Info{Port: port, Proto: "tcp", Status: portinfo.Unassigned},
		Verdict:  policy.Verdict{Alert: true, Reasons: []string{"unassigned port"}}}
}

// TestNoticeMessage: a notification carries the notice package's words and
// the identity of its first listener, which a click hands back.
func TestNoticeMessage(t *testing.T) {
	one := alerting(2476, "python3", monitor.Network)
	for _, n := range []policy.Notice{
		{Kind: policy.NoticeAlert, Count: 1, Assessments: []policy.Assessment{one}},
		{Kind: policy.NoticeBurst, Count: 3, Assessments: []policy.Assessment{one, alerting(5173, "python3", monitor.Loopback)}},
		{Kind: policy.NoticeBaseline, Count: 12, Programs: 5},
	} {
		m := noticeMessage(n, "k")
		x := notice.Of(n)
		if m.Title != x.Title || m.Body != x.Body || m.Key != "k" {
			t.Errorf("%v: message %+v, want the words %+v", n.Kind, m, x)
		}
		if len(n.Assessments) > 0 && (m.Port != 2476 || m.Proto != "tcp") {
			t.Errorf("%v: port %d/%s, want 2476/tcp", n.Kind, m.Port, m.Proto)
		}
		if len(n.Assessments) == 0 && (m.Port != 0 || m.Proto != "") {
			t.Errorf("baseline names a port: %d/%s", m.Port, m.Proto)
		}
	}
}
