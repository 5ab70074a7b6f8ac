package tests

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSharedTableA and TestSharedTableB share a table on purpose: each creates shared_events,
// writes 3 rows, waits EXAMPLE_SHARED_TABLE_SECONDS seconds and expects to count exactly its 3
// rows, then drops the table. One after the other they pass. At the same time in two processes
// against the same schema they fail: one counts 6 rows, or finds the table dropped under it by
// the other, or their CREATE TABLEs collide. They show why shards that run at the same time need
// a schema each (see TestMain; EXAMPLE_SHARE_SCHEMA=1 turns that off). Skipped unless the
// variable is set.
func TestSharedTableA(t *testing.T) { sharedTableTest(t, "A") }
func TestSharedTableB(t *testing.T) { sharedTableTest(t, "B") }

func sharedTableTest(t *testing.T, who string) {
	seconds, err := strconv.Atoi(os.Getenv("EXAMPLE_SHARED_TABLE_SECONDS"))
	if err != nil || seconds <= 0 {
		t.Skip("set EXAMPLE_SHARED_TABLE_SECONDS=N to run the shared-state tests (N seconds each)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	// The pool, not helpers.Tx: a transaction would hide each test's rows from the other, and
	// the point here is state that is shared.
	_, err = pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS shared_events (who TEXT NOT NULL)`)
	require.NoError(t, err, "create shared_events")
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), `DROP TABLE IF EXISTS shared_events`)
	})
	for i := 0; i < 3; i++ {
		_, err = pool.Exec(ctx, `INSERT INTO shared_events (who) VALUES ($1)`, who)
		require.NoError(t, err, "insert into shared_events: another test dropped the table at the same time (shared state)")
	}
	_, err = pool.Exec(ctx, `SELECT pg_sleep($1)`, seconds)
	require.NoError(t, err, "sleep")
	var n int
	err = pool.QueryRow(ctx, `SELECT count(*) FROM shared_events`).Scan(&n)
	require.NoError(t, err, "count shared_events: another test dropped the table at the same time (shared state)")
	require.Equal(t, 3, n, "shared_events holds %d rows, not this test's 3: another test wrote into the same table at the same time (shared state)", n)
}
