package tests

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/in-cluster-test/example/internal/config"
	"github.com/in-cluster-test/example/tests/helpers"
)

var (
	pool *pgxpool.Pool
	cfg  config.Config
)

func TestMain(m *testing.M) {
	shardFromIndex()
	// Shards run at the same time against one PostgreSQL: each works in its own schema
	// (shard_<index>; a single Job is shard 0) so that tests touching the same tables in two pods
	// cannot collide. Outside the cluster: the default schema, as before.
	schema, err := shardSchema()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests:", err)
		os.Exit(1)
	}
	// EXAMPLE_TESTMAIN_FAIL_BESIDE=1 makes the second shard's setup fail, as a suite's migrations
	// do when two shards create the same tables at once; alone (a single Job, a rerun) it does not.
	if os.Getenv("EXAMPLE_TESTMAIN_FAIL_BESIDE") == "1" && schema == "shard_1" {
		fmt.Fprintln(os.Stderr, `integration tests: migrating: ERROR: duplicate key value violates unique constraint "pg_type_typname_nsp_index" (deliberate: EXAMPLE_TESTMAIN_FAIL_BESIDE)`)
		os.Exit(1)
	}
	pool, cfg, err = helpers.Connect(context.Background(), inSchema(schema))
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need a database:", err)
		os.Exit(1)
	}
	if schema != "" {
		fmt.Fprintf(os.Stderr, "integration tests: shard schema %s\n", schema)
	}
	code := m.Run()
	// Drop the shard's schema (its tables and rows with it) so nothing is left behind.
	if err := dropSchema(context.Background(), schema); err != nil {
		fmt.Fprintf(os.Stderr, "integration tests: dropping schema %s: %v\n", schema, err)
	}
	pool.Close()
	os.Exit(code)
}

// shardFromIndex is the opt-in of the action's shard-mode: indexed. One Indexed Job runs every
// shard with the same arguments (-test.run=^$, no test); the pod's JOB_COMPLETION_INDEX picks
// its share from the IN_CLUSTER_TEST_RUN_<i> / IN_CLUSTER_TEST_SKIP_<i> variables. Outside an
// Indexed Job nothing changes.
func shardFromIndex() {
	flag.Parse()
	i, ok := os.LookupEnv("JOB_COMPLETION_INDEX")
	if !ok {
		return
	}
	if p, ok := os.LookupEnv("IN_CLUSTER_TEST_RUN_" + i); ok {
		flag.Set("test.run", p)
	}
	if p, ok := os.LookupEnv("IN_CLUSTER_TEST_SKIP_" + i); ok {
		flag.Set("test.skip", p)
	}
}
