// Package history is Portlight's event store: which listeners existed, since
// when and owned by whom (sessions), which alerts were raised and what the user
// did with them, and per port the executables that usually own it.
//
// It is an SQLite database (modernc.org/sqlite, pure Go, through database/sql)
// in WAL mode, bounded by age and size, written by one Recorder that never
// blocks the monitor. Nothing here imports a GUI toolkit.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"portlight/internal/statedir"
)

// FileName is the database's file name inside the state folder.
const FileName = statedir.HistoryFile

// Retention defaults: history older than this, or beyond this size, is
// purged in the background, so that a laptop's history stays useful for a
// season without the file growing without bound.
const (
	DefaultMaxAge   = 90 * 24 * time.Hour
	DefaultMaxBytes = 50 << 20
)

// busyTimeout is how long a connection waits for another writer (the
// recorder, an alert being marked, the purger, another process) before SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// DefaultPath is where the history lives: FileName in Portlight's state
// folder (see package statedir).
func DefaultPath() (string, error) {
	p, err := statedir.Path(FileName)
	if err != nil {
		return "", fmt.Errorf("history: %w", err)
	}
	return p, nil
}

// Options configure Open. The zero value uses DefaultPath and the defaults.
type Options struct {
	// Path of the database file; DefaultPath() when empty.
	Path string
	// MaxAge and MaxBytes bound the history (DefaultMaxAge, DefaultMaxBytes when 0).
	MaxAge   time.Duration
	MaxBytes int64
	// Logger receives problems (corrupt file moved aside, purge errors);
	// slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock (time.Now when nil); tests move it.
	Now func() time.Time
}

// Store is an open history database. Its methods are safe for concurrent use.
type Store struct {
	db      *sql.DB
	path    string
	host    string
	opts    Options
	log     *slog.Logger
	problem *Problem
	// ownerFailures counts OwnerChange calls that failed (see
	// OwnerChangeFailures).
	ownerFailures atomic.Uint64
	// owners caches OwnerChange answers (see ownerCache).
	owners ownerCache
}

// Problem says that the database file was unusable (not a database, or
// malformed) and was moved aside so that a new, empty history could start. The
// store is usable; the old file is kept for inspection.
type Problem struct {
	Path    string    // the database path
	MovedTo string    // where the unusable file now is
	Time    time.Time // when it was moved
	Err     error     // what SQLite said about it
}

// Error says what happened and what Portlight did about it.
func (p *Problem) Error() string {
	return fmt.Sprintf("history: %s was unusable (%v); moved it to %s and started a new history",
		p.Path, p.Err, p.MovedTo)
}

// Unwrap returns SQLite's error.
func (p *Problem) Unwrap() error { return p.Err }

// Open opens (creating when needed) the history database, applying schema
// migrations. A corrupt file is moved aside and a new database started: Open
// then succeeds and Problem reports what happened (it is also logged).
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		opts.Path = p
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, fmt.Errorf("history: create state folder: %w", err)
	}
	host, _ := os.Hostname()
	s := &Store{path: opts.Path, host: host, opts: opts, log: opts.Logger.With("subsystem", "history")}

	db, err := openChecked(ctx, opts.Path)
	if err != nil && isCorrupt(err) {
		moved, merr := moveAside(opts.Path, opts.Now())
		if merr != nil {
			return nil, fmt.Errorf("history: %s is unusable (%v) and could not be moved aside: %w", opts.Path, err, merr)
		}
		s.problem = &Problem{Path: opts.Path, MovedTo: moved, Time: opts.Now(), Err: err}
		s.log.Error("database unusable, started a new one", "path", opts.Path, "moved_to", moved, "err", err)
		db, err = openChecked(ctx, opts.Path)
	}
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}

// openChecked opens the file, checks it is a sound database, and migrates it.
func openChecked(ctx context.Context, path string) (*sql.DB, error) {
	if err := ensureFile(path); err != nil {
		return nil, err
	}
	if err := createVacuum(ctx, path); err != nil {
		return nil, fmt.Errorf("history: create %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("history: open %s: %w", path, err)
	}
	// A few connections: the recorder writes while the UI or CLI reads (WAL
	// lets readers run beside the one writer).
	db.SetMaxOpenConns(4)
	// Two idle connections are kept, with no idle timeout: a timeout runs
	// database/sql's cleaner goroutine on a timer of its own, which woke
	// the idle resident every few seconds to close a connection the next
	// minute's upkeep opened again.
	db.SetMaxIdleConns(2)
	if err := check(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("history: check %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("history: migrate %s: %w", path, err)
	}
	return db, nil
}

// createVacuum gives a new (empty) file incremental auto-vacuum, which
// must be chosen before anything else is written to it, and WAL mode.
func createVacuum(ctx context.Context, path string) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() > 0 {
		return nil // ensureFile reports a missing file
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, p := range []string{"PRAGMA auto_vacuum = INCREMENTAL", "PRAGMA journal_mode = WAL"} {
		if _, err := c.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// ensureFile creates the database file with mode 0600 (SQLite would create
// it with the umask's 0644) and tightens an existing one.
func ensureFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("history: create %s: %w", path, err)
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("history: chmod %s: %w", path, err)
	}
	return nil
}

// dsn builds the connection string. (auto_vacuum=INCREMENTAL, so that
// retention can hand freed pages back to the file system, is set once when
// the file is created, by createVacuum: on an existing file the pragma takes
// the write lock, so every new pooled connection used to wait out the busy
// timeout and fail while another process wrote.) Every connection gets:
//   - journal_mode=WAL: readers (UI, CLI) never wait for the recorder;
//   - synchronous=NORMAL: in WAL mode a commit is durable against a crash of
//     the process (SIGKILL, panic) and the database never corrupts; only an
//     OS crash or power loss may roll back the last commits. History is not
//     worth an fsync per event, and NORMAL keeps recording well under 1 ms;
//   - busy_timeout: writers from several goroutines or processes wait for
//     each other instead of failing;
//   - _txlock=immediate: transactions take the write lock at BEGIN, so a
//     read-then-write transaction cannot fail with SQLITE_BUSY halfway.
func dsn(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// check reads the file's header and schema and runs a quick integrity check,
// so that an unusable file is noticed at open rather than at the first write.
func check(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return err
	}
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("%w: quick_check: %s", errMalformed, res)
	}
	return nil
}

var errMalformed = errors.New("database disk image is malformed")

// IsCorrupt reports whether err (from any Store or Recorder method) means
// the database file is damaged; reopening the store moves it aside.
func IsCorrupt(err error) bool { return err != nil && isCorrupt(err) }

// isCorrupt reports whether err means the file is not a usable database.
// SQLite's result codes SQLITE_CORRUPT (11) and SQLITE_NOTADB (26) are matched
// through their messages, which are stable across SQLite versions.
func isCorrupt(err error) bool {
	if errors.Is(err, errMalformed) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"file is not a database", "database disk image is malformed", "SQLITE_CORRUPT", "SQLITE_NOTADB"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// moveAside renames the database (and its -wal and -shm files) to
// <path>.corrupt-<time>, returning the new name of the main file.
func moveAside(path string, now time.Time) (string, error) {
	moved := path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(path, moved); err != nil {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); err == nil {
			if err := os.Rename(path+suffix, moved+suffix); err != nil {
				return moved, err
			}
		}
	}
	return moved, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Problem is the corruption that Open recovered from, or nil.
func (s *Store) Problem() *Problem { return s.problem }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("history: close: %w", err)
	}
	return nil
}

// IntegrityCheck runs SQLite's full integrity check and returns its verdict
// ("ok" when sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&res); err != nil {
		return "", fmt.Errorf("history: integrity check: %w", err)
	}
	return res, nil
}

// ms converts a time to the stored form: Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored Unix milliseconds back to a UTC time.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
