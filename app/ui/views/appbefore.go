package views

import (
	"context"
	"slices"
	"strings"

	"portlight/content"
	"portlight/history"
)

// appBeforeEvents is how many of a program's latest events "This app
// before" sums up.
const appBeforeEvents = 1000

// appBefore feeds the explainer's "This app before" section: the other
// ports the programs listening now have listened on. The history is read on
// a goroutine of its own whenever those programs change, never on Fyne's.
// Its methods run on Fyne's goroutine.
type appBefore struct {
	key    string
	loaded bool
	apps   []content.AppPast
	err    error
}

// section returns the section for the explainer's input, starting a read
// when the programs listening changed; refresh is run (on Fyne's goroutine)
// when a read is done, to show it.
func (a *appBefore) section(m *Manager, in content.Input, refresh func()) content.Section {
	if m.deps.Events == nil {
		return content.AppBeforeSection(content.AppBeforeInput{})
	}
	var exes []string
	for _, o := range content.Owners(in.Now, in.FocusPID) {
		if !o.OwnerHidden && o.Raw.Exe != "" && !slices.Contains(exes, o.Raw.Exe) {
			exes = append(exes, o.Raw.Exe)
		}
	}
	key := strings.Join(exes, "\x00")
	if key != a.key {
		a.key, a.loaded, a.apps, a.err = key, false, nil, nil
		if len(exes) > 0 {
			a.fetch(m, key, exes, in.Port, in.Proto, refresh)
		}
	}
	return content.AppBeforeSection(content.AppBeforeInput{HasHistory: true, Listening: len(exes) > 0,
		Pending: !a.loaded, Err: a.err, Apps: a.apps})
}

// fetch reads each program's latest events and sums them up by port.
func (a *appBefore) fetch(m *Manager, key string, exes []string, port uint16, proto string, refresh func()) {
	q, do := m.deps.Events, m.deps.Do
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
		defer cancel()
		var apps []content.AppPast
		var err error
		for _, exe := range exes {
			var lines []history.Line
			lines, err = q.Events(ctx, history.Query{Exe: exe, Limit: appBeforeEvents})
			if err != nil {
				break
			}
			apps = append(apps, content.AppPast{Exe: exe, Ports: content.AppPorts(lines, port, proto)})
		}
		do(func() {
			if a.key != key {
				return // the owners changed again; a newer read is on its way
			}
			a.loaded, a.apps, a.err = true, apps, err
			refresh()
		})
	}()
}
