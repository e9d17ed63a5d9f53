package resident

import (
	"strings"
	"testing"
	"unicode/utf8"

	"portlight/app/notify"
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

func TestNoticeMessage(t *testing.T) {
	one := alerting(2476, "python3", monitor.Network)
	local := alerting(5173, "node", monitor.Loopback)
	hostile := alerting(4444, strings.Repeat("<b>\u202E", 3000), monitor.Network)
	for _, tc := range []struct {
		name      string
		n         policy.Notice
		title     string
		bodyHas   []string
		port      uint16
		bodyLacks []string
	}{
		{
			name:    "one alert",
			n:       policy.Notice{Kind: policy.NoticeAlert, Count: 1, Assessments: []policy.Assessment{one}},
			title:   "python3 is listening on unassigned port 2476/tcp",
			bodyHas: []string{"Why: unassigned port; reachable from the network", "Who: /usr/bin/python3 (pid 10)"},
			port:    2476,
		},
		{
			name:    "several ports",
			n:       policy.Notice{Kind: policy.NoticeAlert, Count: 7, Assessments: []policy.Assessment{one, local, one, local, alerting(1, "python3", monitor.Loopback), alerting(2, "python3", monitor.Loopback)}},
			title:   "python3 is listening on 7 new ports",
			bodyHas: []string{"Ports: 2476/tcp, 5173/tcp, 1/tcp, 2/tcp and 3 more.", "Reachable from the network", "Who: /usr/bin/python3 (pid 10)"},
			port:    2476,
		},
		{
			name:    "burst",
			n:       policy.Notice{Kind: policy.NoticeBurst, Count: 200, Assessments: []policy.Assessment{local}},
			title:   "node is listening on 200 more ports",
			bodyHas: []string{"Ports: 5173/tcp and 199 more.", "This computer only"},
			port:    5173,
		},
		{
			name:    "changed",
			n:       policy.Notice{Kind: policy.NoticeChanged, Count: 1, Assessments: []policy.Assessment{one}},
			title:   "python3 on 2476/tcp changed since it was allowed",
			bodyHas: []string{"Why: unassigned port", "Who: /usr/bin/python3"},
			port:    2476,
		},
		{
			name:    "changed, several ports",
			n:       policy.Notice{Kind: policy.NoticeChanged, Count: 2, Assessments: []policy.Assessment{one, local}},
			title:   "python3 changed since it was allowed (2476/tcp, 5173/tcp)",
			bodyHas: []string{"Ports: 2476/tcp, 5173/tcp."},
			port:    2476,
		},
		{
			name:    "baseline",
			n:       policy.Notice{Kind: policy.NoticeBaseline, Count: 12, Programs: 5, Alerting: 2},
			title:   "Portlight recorded 12 listening ports of 5 programs as the baseline; 2 would alert",
			bodyHas: []string{"taken as known"},
		},
		{
			name:      "hostile name keeps the port",
			n:         policy.Notice{Kind: policy.NoticeBurst, Count: 3, Assessments: []policy.Assessment{hostile}},
			bodyHas:   []string{"4444/tcp"},
			bodyLacks: []string{"\u202E"},
			port:      4444,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := noticeMessage(tc.n, "k")
			if tc.title != "" && m.Title != tc.title {
				t.Errorf("title %q, want %q", m.Title, tc.title)
			}
			if utf8.RuneCountInString(m.Title) > notify.MaxTitle || utf8.RuneCountInString(m.Body) > notify.MaxBody {
				t.Errorf("unbounded: %d/%d runes", utf8.RuneCountInString(m.Title), utf8.RuneCountInString(m.Body))
			}
			if strings.ContainsRune(m.Title, '\u202E') {
				t.Errorf("bidi override in title %q", m.Title)
			}
			for _, s := range tc.bodyHas {
				if !strings.Contains(m.Body, s) {
					t.Errorf("body %q lacks %q", m.Body, s)
				}
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(m.Body, s) {
					t.Errorf("body contains %q", s)
				}
			}
			if m.Key != "k" || m.Port != tc.port {
				t.Errorf("key %q port %d, want k %d", m.Key, m.Port, tc.port)
			}
		})
	}
}
