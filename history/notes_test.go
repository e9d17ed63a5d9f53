package history

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"portlight/monitor"
)

func TestNotesInEventsAndJSON(t *testing.T) {
	s, _ := openTest(t, Options{})
	r := startTest(t, s)
	record(t, r, ev(monitor.Opened, t0, listener(5432, "/usr/bin/postgres", 7)))
	if !r.RecordNote(Note{Kind: EventSettingsChanged, Time: t0.Add(time.Minute), Lines: []string{"added /tmp/x (any port)"}}) ||
		!r.RecordNote(Note{Kind: EventNotWatching, Time: t0.Add(2 * time.Minute), Until: t0.Add(40 * time.Minute),
			Lines: []string{"Portlight was stopped without a clean stop"}}) {
		t.Fatal("notes dropped")
	}
	if err := r.Flush(context.Background()); err != nil || r.Stats().LastErr != nil {
		t.Fatalf("flush: %v %v", err, r.Stats().LastErr)
	}
	lines, err := s.Events(context.Background(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[1].Event != EventSettingsChanged || lines[2].Event != EventNotWatching {
		t.Fatalf("events %+v", lines)
	}
	b, err := json.Marshal(lines[2])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// The documented fields are all there, with their types; until is new.
	for _, f := range []string{"time", "host", "event", "proto", "port", "address", "exposure", "exe", "user", "pid", "alert", "reasons"} {
		if _, ok := m[f]; !ok {
			t.Errorf("field %s missing in %s", f, b)
		}
	}
	if m["until"] != "2026-11-20T09:40:00.000Z" {
		t.Errorf("until = %v", m["until"])
	}
	if rs, _ := m["reasons"].([]any); len(rs) != 1 {
		t.Errorf("reasons %v", m["reasons"])
	}
	if b, _ := json.Marshal(lines[1]); strings.Contains(string(b), "until") {
		t.Errorf("until written for a settings change: %s", b)
	}
	// A query by port has no notes; Notes filters by kind.
	if byPort, _ := s.Events(context.Background(), Query{Port: 5432}); len(byPort) != 1 {
		t.Errorf("by port: %+v", byPort)
	}
	gaps, err := s.Notes(context.Background(), EventNotWatching, time.Time{})
	if err != nil || len(gaps) != 1 || !gaps[0].Until.Equal(t0.Add(40*time.Minute)) {
		t.Fatalf("gaps %+v %v", gaps, err)
	}
}
