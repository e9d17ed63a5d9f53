package history

import (
	"context"
	"database/sql"
	"fmt"
)

// purgeBatch is how many rows one purge transaction deletes: small enough
// that the recorder waits a few milliseconds at most for the write lock.
const purgeBatch = 500

// PurgeStats say what a Purge removed.
type PurgeStats struct {
	Sessions, Alerts, Owners int
	// Bytes is the database's size before and after (pages in use).
	BytesBefore, BytesAfter int64
}

// Purge applies retention: it deletes closed sessions and alerts older than
// MaxAge, then the oldest closed sessions (and alerts older than what is
// left) while the database is larger than MaxBytes, in small transactions,
// and returns freed pages to the file system. Open sessions are kept.
func (s *Store) Purge(ctx context.Context) (PurgeStats, error) {
	var st PurgeStats
	c, err := s.db.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("history: purge: %w", err)
	}
	defer c.Close()
	defer s.owners.forget(nil) // the owners' records may be gone
	// A big purge rewrites the same index pages batch after batch: checkpoint
	// them once per ~40 MB of WAL instead of once per batch (each checkpoint
	// syncs). shrink truncates the WAL at the end.
	if _, err := c.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 10000"); err != nil {
		return st, fmt.Errorf("history: purge: %w", err)
	}
	defer c.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_autocheckpoint = 1000")
	p := purger{s: s, c: c}
	return p.run(ctx, st)
}

// purger runs one Purge on one connection.
type purger struct {
	s *Store
	c *sql.Conn
}

func (p purger) run(ctx context.Context, st PurgeStats) (PurgeStats, error) {
	s := p.s
	var err error
	if st.BytesBefore, err = usedBytes(ctx, p.c); err != nil {
		return st, err
	}
	cutoff := ms(s.opts.Now().Add(-s.opts.MaxAge))
	n, err := p.deleteBatches(ctx, `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions INDEXED BY sessions_closed
		WHERE closed_at IS NOT NULL AND closed_at < ? LIMIT ?)`, cutoff)
	st.Sessions += n
	if err != nil {
		return st, err
	}
	n, err = p.deleteBatches(ctx, `DELETE FROM alerts WHERE id IN (SELECT id FROM alerts INDEXED BY alerts_time
		WHERE time < ? LIMIT ?)`, cutoff)
	st.Alerts += n
	if err != nil {
		return st, err
	}
	res, err := p.c.ExecContext(ctx, `DELETE FROM owners WHERE last_seen < ? AND NOT EXISTS (
		SELECT 1 FROM sessions s INDEXED BY sessions_open WHERE s.closed_at IS NULL
		AND s.port = owners.port AND s.proto = owners.proto AND s.exe_id = owners.exe_id)`, cutoff)
	if err != nil {
		return st, fmt.Errorf("history: purge owners: %w", err)
	}
	o, _ := res.RowsAffected()
	st.Owners = int(o)

	if err := p.purgeSize(ctx, &st); err != nil {
		return st, err
	}
	if st.Sessions+st.Alerts+st.Owners > 0 {
		if err := p.shrink(ctx); err != nil {
			return st, err
		}
	}
	st.BytesAfter, err = usedBytes(ctx, p.c)
	if st.Sessions+st.Alerts > 0 {
		s.log.Info("purged history", "sessions", st.Sessions, "alerts", st.Alerts, "owners", st.Owners,
			"bytes_before", st.BytesBefore, "bytes_after", st.BytesAfter)
	}
	return st, err
}

// purgeSize deletes the oldest closed sessions while the database is over
// MaxBytes. Deleting rows frees pages unevenly (index pages empty slowly), so
// each round estimates the rows to delete from the average row cost, deletes
// them, and measures again.
func (p purger) purgeSize(ctx context.Context, st *PurgeStats) error {
	s := p.s
	for round := 0; round < 20; round++ {
		used, err := usedBytes(ctx, p.c)
		if err != nil {
			return err
		}
		if used <= s.opts.MaxBytes {
			return nil
		}
		var rows int64
		if err := p.c.QueryRowContext(ctx, "SELECT count(*) FROM sessions").Scan(&rows); err != nil {
			return fmt.Errorf("history: purge: %w", err)
		}
		if rows == 0 {
			return nil
		}
		// Aim 10% under the bound so that the next purge has headroom.
		excess := used - s.opts.MaxBytes*9/10
		want := excess*rows/used + 1
		deleted, err := p.deleteOldest(ctx, want)
		st.Sessions += deleted
		if err != nil {
			return err
		}
		if deleted == 0 {
			return nil // only open sessions left
		}
		// Alerts older than the oldest kept session go too.
		n, err := p.deleteBatches(ctx, `DELETE FROM alerts WHERE id IN (SELECT id FROM alerts INDEXED BY alerts_time
			WHERE time < coalesce((SELECT min(first_seen) FROM sessions), 1 << 62) LIMIT ?)`)
		st.Alerts += n
		if err != nil {
			return err
		}
		if err := p.shrink(ctx); err != nil {
			return err
		}
	}
	return nil
}

// deleteOldest deletes up to want of the oldest closed sessions.
func (p purger) deleteOldest(ctx context.Context, want int64) (int, error) {
	total := 0
	for int64(total) < want {
		n := min(int64(purgeBatch), want-int64(total))
		res, err := p.c.ExecContext(ctx, `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions INDEXED BY sessions_closed
			WHERE closed_at IS NOT NULL ORDER BY closed_at LIMIT ?)`, n)
		if err != nil {
			return total, fmt.Errorf("history: purge by size: %w", err)
		}
		got, _ := res.RowsAffected()
		total += int(got)
		if got < n {
			break
		}
	}
	return total, nil
}

// deleteBatches runs a DELETE whose last parameter is the batch size until it
// deletes fewer than a batch.
func (p purger) deleteBatches(ctx context.Context, query string, args ...any) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		res, err := p.c.ExecContext(ctx, query, append(args, purgeBatch)...)
		if err != nil {
			return total, fmt.Errorf("history: purge: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < purgeBatch {
			return total, nil
		}
	}
}

// shrink drops executables nothing refers to any more, hands free pages back
// to the file system (auto_vacuum=INCREMENTAL) and truncates the WAL, so the
// file really gets smaller.
func (p purger) shrink(ctx context.Context) error {
	if _, err := p.c.ExecContext(ctx, `DELETE FROM exes WHERE id NOT IN (SELECT exe_id FROM sessions)
		AND id NOT IN (SELECT prev_exe_id FROM sessions WHERE prev_exe_id IS NOT NULL)
		AND id NOT IN (SELECT exe_id FROM alerts) AND id NOT IN (SELECT exe_id FROM owners)`); err != nil {
		return fmt.Errorf("history: purge executables: %w", err)
	}
	// incremental_vacuum returns a row per page freed; drain them.
	rows, err := p.c.QueryContext(ctx, "PRAGMA incremental_vacuum")
	if err != nil {
		return fmt.Errorf("history: incremental vacuum: %w", err)
	}
	for rows.Next() {
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("history: incremental vacuum: %w", err)
	}
	if _, err := p.c.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("history: checkpoint: %w", err)
	}
	return nil
}

// usedBytes is the size of the database's pages in use.
func usedBytes(ctx context.Context, conn *sql.Conn) (int64, error) {
	var pages, free, size int64
	for _, p := range []struct {
		q string
		v *int64
	}{{"PRAGMA page_count", &pages}, {"PRAGMA freelist_count", &free}, {"PRAGMA page_size", &size}} {
		if err := conn.QueryRowContext(ctx, p.q).Scan(p.v); err != nil {
			return 0, fmt.Errorf("history: size: %w", err)
		}
	}
	return (pages - free) * size, nil
}

// Size is the database's size in bytes (pages in use).
func (s *Store) Size(ctx context.Context) (int64, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("history: size: %w", err)
	}
	defer conn.Close()
	return usedBytes(ctx, conn)
}
