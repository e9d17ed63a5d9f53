package history

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// TestNewConnectionReadsBesideAnotherWriter: while another process holds
// the write lock, a new pooled connection still reads at once (WAL). Its
// connection string must not carry a pragma that writes (auto_vacuum
// did: every new connection then waited out the busy timeout and failed,
// and the policy's owner-change reads with it).
func TestNewConnectionReadsBesideAnotherWriter(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	other, err := sql.Open("sqlite", "file:"+s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	c, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer c.ExecContext(ctx, "ROLLBACK")

	fresh, err := sql.Open("sqlite", dsn(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	start := time.Now()
	var n int
	err = fresh.QueryRowContext(ctx, "SELECT count(*) FROM owners").Scan(&n)
	if d := time.Since(start); err != nil || d > time.Second {
		t.Fatalf("read on a new connection: %v after %v, want an answer at once", err, d)
	}
}
