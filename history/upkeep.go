package history

import "context"

// chore is periodic work a Driven recorder's caller asks of the writer.
type chore uint8

const (
	choreTouch chore = 1 << iota // refresh open sessions' last_seen
	chorePurge                   // apply retention
)

// Touch asks the writer to refresh open sessions' last_seen to the last
// Heartbeat, and returns at once like Record (false when the queue is
// full: the next Touch does it). For a Driven recorder's caller, every
// DefaultTouchEvery.
func (r *Recorder) Touch() bool { return r.queue(batch{chore: choreTouch}) }

// Purge asks the writer to apply retention, and returns at once like
// Record. For a Driven recorder's caller, at start and every
// DefaultPurgeEvery.
func (r *Recorder) Purge() bool { return r.queue(batch{chore: chorePurge}) }

// upkeep does the chores asked for, after the writes queued with them.
func (r *Recorder) upkeep(ctx context.Context, c chore) {
	if c&choreTouch != 0 {
		r.touch(ctx)
	}
	if c&chorePurge != 0 {
		r.purge(ctx)
	}
}

// touch refreshes open sessions' last_seen.
func (r *Recorder) touch(ctx context.Context) {
	if err := r.s.touch(ctx, r.seenAt()); err != nil && ctx.Err() == nil {
		r.setErr(err)
	}
}

// purge applies retention.
func (r *Recorder) purge(ctx context.Context) {
	if _, err := r.s.Purge(ctx); err != nil && ctx.Err() == nil {
		r.setErr(err)
	}
}
