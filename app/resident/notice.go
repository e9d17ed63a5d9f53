package resident

import (
	"portlight/app/notify"
	"portlight/content/notice"
	"portlight/monitor/policy"
)

// noticeMessage is the notification for one of the noise gate's notices,
// in the notice package's words; key comes back when the user clicks it.
func noticeMessage(n policy.Notice, key string) notify.Message {
	x := notice.Of(n)
	m := notify.Message{Key: key, Title: x.Title, Body: x.Body}
	if len(n.Assessments) > 0 {
		a := n.Assessments[0]
		m.Port, m.Proto = a.Port, string(a.Proto)
	}
	return m
}
