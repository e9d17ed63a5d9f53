package history

import (
	"context"
	"fmt"
	"time"

	"portlight/monitor"
	"portlight/monitor/policy"
)

// When an executable counts as a port's usual owner: it held the port for at
// least UsualMinHeld in total, or in at least UsualMinSessions separate
// sessions. An hour rules out a tool that once bound the port briefly; three
// sessions catch the dev server started every morning for a few minutes.
// (Two were too few: a program restarted once, or Portlight restarted while
// it ran, would already be "usual".)
const (
	UsualMinHeld     = time.Hour
	UsualMinSessions = 3
)

// Owner is one executable's record on a (port, proto).
type Owner struct {
	Exe       string
	Sessions  int           // sessions started, open ones included
	Held      time.Duration // total time held, open sessions up to now included
	FirstSeen time.Time
	LastSeen  time.Time
}

// Usual reports whether o qualifies as a usual owner (see UsualMinHeld).
func (o Owner) Usual() bool { return o.Held >= UsualMinHeld || o.Sessions >= UsualMinSessions }

// Owners lists the executables that held (port, proto), longest held first.
func (s *Store) Owners(ctx context.Context, port uint16, proto monitor.Proto) ([]Owner, error) {
	now := ms(s.opts.Now())
	rows, err := s.db.QueryContext(ctx, `SELECT e.path, o.sessions,
		o.held_ms + coalesce((SELECT sum(max(? - s.first_seen, 0)) FROM sessions s INDEXED BY sessions_open
			WHERE s.closed_at IS NULL AND s.port = o.port AND s.proto = o.proto AND s.exe_id = o.exe_id), 0) AS held,
		o.first_seen, o.last_seen
		FROM owners o JOIN exes e ON e.id = o.exe_id
		WHERE o.port = ? AND o.proto = ?
		ORDER BY held DESC, o.sessions DESC, e.path`, now, int(port), string(proto))
	if err != nil {
		return nil, fmt.Errorf("history: owners of %d/%s: %w", port, proto, err)
	}
	defer rows.Close()
	var out []Owner
	for rows.Next() {
		var o Owner
		var held, first, last int64
		if err := rows.Scan(&o.Exe, &o.Sessions, &held, &first, &last); err != nil {
			return nil, fmt.Errorf("history: owners of %d/%s: %w", port, proto, err)
		}
		o.Held = time.Duration(held) * time.Millisecond
		o.FirstSeen, o.LastSeen = fromMS(first), fromMS(last)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: owners of %d/%s: %w", port, proto, err)
	}
	return out, nil
}

// UsualOwner is the executable that has held (port, proto) longest, if it
// qualifies as usual (Owner.Usual).
func (s *Store) UsualOwner(ctx context.Context, port uint16, proto monitor.Proto) (Owner, bool, error) {
	owners, err := s.Owners(ctx, port, proto)
	if err != nil {
		return Owner{}, false, err
	}
	for _, o := range owners {
		if o.Usual() {
			return o, true, nil
		}
	}
	return Owner{}, false, nil
}

// ownerChangeTimeout bounds OwnerChange's query: the policy calls it inline.
const ownerChangeTimeout = 200 * time.Millisecond

// OwnerChange reports whether l's port is usually held by another executable:
// usual is that executable and held its total time on the port. It is false
// when l's owner is hidden or unknown, when l's executable is itself a usual
// owner of the port, or when the port has no usual owner. Database errors are
// logged, counted (OwnerChangeFailures) and answer false: a missing history
// must not raise alerts. Answers are cached per port, protocol and
// executable (see ownerCache): the resident judges every listener again
// now and then, and most answers do not change between two judgements.
// OwnerChangeReason words the finding for the policy.
func (s *Store) OwnerChange(l monitor.Listener) (usual string, held time.Duration, ok bool) {
	if !owned(l) {
		return "", 0, false
	}
	key := portKey{l.Port, l.Proto}
	if a, ok := s.owners.get(key, l.Exe, s.opts.Now()); ok {
		return a.usual, a.held, a.ok
	}
	gen := s.owners.generation()
	a := s.ownerChange(l)
	if !a.failed {
		s.owners.put(key, l.Exe, a, gen, s.opts.Now())
	}
	return a.usual, a.held, a.ok
}

// ownerChange asks the database (see OwnerChange).
func (s *Store) ownerChange(l monitor.Listener) ownerAnswer {
	ctx, cancel := context.WithTimeout(context.Background(), ownerChangeTimeout)
	defer cancel()
	owners, err := s.Owners(ctx, l.Port, l.Proto)
	if err != nil {
		if s.ownerFailures.Add(1) == 1 || s.ownerFailures.Load()%100 == 0 {
			s.log.Warn("owner change check failed", "err", err, "failures", s.ownerFailures.Load())
		}
		return ownerAnswer{failed: true}
	}
	var top *Owner
	for i, o := range owners {
		if !o.Usual() {
			continue
		}
		if o.Exe == l.Exe {
			return ownerAnswer{}
		}
		if top == nil {
			top = &owners[i]
		}
	}
	if top == nil {
		return ownerAnswer{}
	}
	return ownerAnswer{usual: top.Exe, held: top.Held, ok: true}
}

// OwnerChangeFailures counts the OwnerChange calls that could not ask the
// database (an error, or the timeout) and so answered false. A caller that
// caches verdicts compares it before and after judging: an answer given on
// a failure is not an answer to keep.
func (s *Store) OwnerChangeFailures() uint64 { return s.ownerFailures.Load() }

// OwnerChangeReason is the alert reason for an owner change, e.g.
// "5173/tcp is usually /usr/bin/node, now /tmp/x": policy's wording, with
// the paths cleaned.
func OwnerChangeReason(l monitor.Listener, usual string) string {
	return policy.OwnerChangeReason(l, usual)
}
