package history

import (
	"testing"
	"time"

	"portlight/monitor"
)

// TestOwnerChangeAnswersAreCached: the resident judges every listener
// again every minute; OwnerChange answers from memory until the recorder
// writes sessions for the port or ownerCacheTTL passes, instead of one
// owners query per listener per minute.
func TestOwnerChangeAnswersAreCached(t *testing.T) {
	s, c := openTest(t, Options{})
	r := startTest(t, s)
	pg := listener(5432, "/usr/lib/postgresql/15/bin/postgres", 10)
	x := listener(5432, "/tmp/x", 20)
	record(t, r, ev(monitor.Opened, t0, pg))
	c.Set(t0.Add(2 * time.Hour))
	if _, _, ok := s.OwnerChange(x); !ok {
		t.Fatal("no owner change after two hours of postgres")
	}
	// The database changes behind the cache's back (only the recorder and
	// retention write it, and both forget what they touch).
	if _, err := s.db.Exec("DELETE FROM owners"); err != nil {
		t.Fatal(err)
	}
	c.Set(t0.Add(2*time.Hour + time.Minute))
	if _, _, ok := s.OwnerChange(x); !ok {
		t.Fatal("the answer a minute later was not the cached one")
	}
	c.Set(t0.Add(2*time.Hour + time.Minute + ownerCacheTTL))
	if _, _, ok := s.OwnerChange(x); ok {
		t.Fatal("the cached answer outlived ownerCacheTTL")
	}

	// A session written for the port forgets its answers at once; one
	// written for another port does not.
	dev := listener(3000, "/usr/bin/node", 30)
	py := listener(3000, "/usr/bin/python3", 40)
	for i := range 2 {
		at := c.Now().Add(time.Duration(i) * time.Minute)
		record(t, r, ev(monitor.Opened, at, dev), ev(monitor.Closed, at.Add(10*time.Second), dev))
	}
	if _, _, ok := s.OwnerChange(py); ok {
		t.Fatal("owner change after two short sessions")
	}
	record(t, r, ev(monitor.Opened, c.Now(), listener(4000, "/usr/bin/other", 50)))
	if _, err := s.db.Exec("UPDATE owners SET sessions = 3 WHERE port = 3000"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.OwnerChange(py); ok {
		t.Fatal("a session on another port dropped 3000's cached answer")
	}
	at := c.Now().Add(2 * time.Minute)
	record(t, r, ev(monitor.Opened, at, dev), ev(monitor.Closed, at.Add(10*time.Second), dev))
	if usual, _, ok := s.OwnerChange(py); !ok || usual != dev.Exe {
		t.Fatalf("after a third session was written: %q, %v; want node at once", usual, ok)
	}
}
