package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are applied in order; PRAGMA user_version holds how many have
// been applied, and schema_migrations records when. Append, never edit: a
// released migration is part of every user's file.
//
// Times are Unix milliseconds. Executables are stored once in exes and
// referenced by id, which keeps the per-exe indexes small.
var migrations = []string{
	// 1: sessions, alerts, usual owners.
	`
CREATE TABLE schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at INTEGER NOT NULL
);
CREATE TABLE exes (
	id   INTEGER PRIMARY KEY,
	path TEXT NOT NULL UNIQUE
);
-- One row per listener lifetime as observed: opened (or taken over by a new
-- owner) at first_seen, closed at closed_at (NULL while open). last_seen is
-- refreshed on close and by a periodic touch of all open sessions.
CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	proto        TEXT    NOT NULL,
	address      TEXT    NOT NULL,
	port         INTEGER NOT NULL,
	exposure     TEXT    NOT NULL,
	exe_id       INTEGER NOT NULL,
	pid          INTEGER NOT NULL,
	uid          INTEGER NOT NULL,
	user         TEXT    NOT NULL,
	cmdline      TEXT    NOT NULL,
	owner_hidden INTEGER NOT NULL,
	start_time   INTEGER NOT NULL, -- the owning process's start, 0 when unknown
	start_kind   TEXT    NOT NULL, -- opened | owner_changed
	prev_exe_id  INTEGER,          -- the previous owner, for owner_changed
	first_seen   INTEGER NOT NULL,
	last_seen    INTEGER NOT NULL,
	closed_at    INTEGER,
	end_kind     TEXT              -- closed | owner_changed | stopped
);
CREATE INDEX sessions_first      ON sessions(first_seen);
CREATE INDEX sessions_closed     ON sessions(closed_at);
CREATE INDEX sessions_port_first ON sessions(port, first_seen);
CREATE INDEX sessions_port_close ON sessions(port, closed_at);
CREATE INDEX sessions_exe_first  ON sessions(exe_id, first_seen);
CREATE INDEX sessions_exe_close  ON sessions(exe_id, closed_at);
CREATE INDEX sessions_open       ON sessions(port, proto, address) WHERE closed_at IS NULL;

CREATE TABLE alerts (
	id          INTEGER PRIMARY KEY,
	time        INTEGER NOT NULL,
	proto       TEXT    NOT NULL,
	address     TEXT    NOT NULL,
	port        INTEGER NOT NULL,
	exposure    TEXT    NOT NULL,
	exe_id      INTEGER NOT NULL,
	pid         INTEGER NOT NULL,
	user        TEXT    NOT NULL,
	reasons     TEXT    NOT NULL, -- JSON array of strings
	action      TEXT,             -- opened | allowed | dismissed
	action_time INTEGER
);
CREATE INDEX alerts_time ON alerts(time);
CREATE INDEX alerts_port ON alerts(port, time);
CREATE INDEX alerts_exe  ON alerts(exe_id, time);

-- Per (port, proto, exe): a roll-up of closed sessions, kept as sessions close
-- so that "who usually owns this port" is one indexed lookup.
CREATE TABLE owners (
	port       INTEGER NOT NULL,
	proto      TEXT    NOT NULL,
	exe_id     INTEGER NOT NULL,
	sessions   INTEGER NOT NULL,
	held_ms    INTEGER NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	PRIMARY KEY (port, proto, exe_id)
) WITHOUT ROWID;
`,
	// 2: notes: what Portlight says about itself (a change of the settings
	// made outside Portlight, a time it was not watching).
	`
CREATE TABLE notes (
	id      INTEGER PRIMARY KEY,
	time    INTEGER NOT NULL, -- when it happened (a gap: when it began)
	until   INTEGER,          -- a gap's end
	kind    TEXT    NOT NULL, -- settings_changed | not_watching
	lines   TEXT    NOT NULL  -- JSON array of strings: what changed, or why
);
CREATE INDEX notes_time ON notes(time);
`,
	// 3: the network namespace of sessions and alerts: netns is its inode
	// number (readlink /proc/PID/ns/net prints net:[N]), 0 for the host's,
	// which every row written before this migration is; container is the
	// JSON of monitor.Container when the namespace's members' cgroup named
	// one, NULL otherwise. Adding columns with constant defaults rewrites
	// no row, so a million-session file migrates at once.
	`
ALTER TABLE sessions ADD COLUMN netns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN container TEXT;
ALTER TABLE alerts ADD COLUMN netns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN container TEXT;
`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// migrate applies the missing migrations in one immediate transaction, so two
// processes opening a new file at once cannot both apply them.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this Portlight (%d)", v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)",
			i+1, ms(time.Now())); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}
