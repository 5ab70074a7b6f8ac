package tests

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/in-cluster-test/example/tests/helpers"
)

// The pattern the action's README points to for shards that share one PostgreSQL: each shard
// works in a schema of its own, named by the shard index the action gives every test pod. It
// lives in a _test.go file on purpose: coverage (-coverpkg=./...) counts only the service's code
// and helpers, so a sharded run and a single Job report the same figure.

// shardSchema names the schema this test process works in. In the cluster (the action sets
// IN_CLUSTER_TEST_SHARD_COUNT in every test pod) it is "shard_<index>": each shard, and a single
// Job as shard 0 of 1, starts from a fresh schema of its own, migrated by the tests, so shards
// running at the same time against one database never share a table, and a sharded run covers
// the same code as a single Job. Outside the cluster (`go test` on a laptop), or with
// EXAMPLE_SHARE_SCHEMA=1 (to show what happens without isolation), "": the default schema.
func shardSchema() (string, error) {
	countVar, inCluster := os.LookupEnv("IN_CLUSTER_TEST_SHARD_COUNT")
	if !inCluster || os.Getenv("EXAMPLE_SHARE_SCHEMA") == "1" {
		return "", nil
	}
	count, err := strconv.Atoi(countVar)
	if err != nil || count < 1 {
		return "", fmt.Errorf("IN_CLUSTER_TEST_SHARD_COUNT=%q: want a number of shards", countVar)
	}
	index, err := strconv.Atoi(os.Getenv("IN_CLUSTER_TEST_SHARD_INDEX"))
	if err != nil || index < 0 || index >= count {
		// Two shards falling back to one name would share it again: refuse instead.
		return "", fmt.Errorf("IN_CLUSTER_TEST_SHARD_INDEX=%q: want 0..%d (IN_CLUSTER_TEST_SHARD_COUNT=%d)",
			os.Getenv("IN_CLUSTER_TEST_SHARD_INDEX"), count-1, count)
	}
	return fmt.Sprintf("shard_%d", index), nil
}

// inSchema makes every connection of the pool use the schema, and creates it afresh before the
// migrations run, so the migrations and the tests (which name their tables unqualified) create
// and use the tables there and never see another shard's. The default schema changes nothing.
func inSchema(schema string) helpers.Setup {
	return helpers.Setup{
		Pool: func(c *pgxpool.Config) {
			if schema != "" {
				// In the startup message of every connection the pool opens, so no query (nor a
				// connection opened after a reconnect) runs outside the schema. Quoted: an
				// identifier, not SQL.
				c.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
			}
		},
		Ready: func(ctx context.Context, p *pgxpool.Pool) error {
			if schema == "" {
				return nil
			}
			// Dropped first: a run killed before its TestMain ended (OOM, deadline) left its
			// schema behind, and every run starts from a fresh one.
			id := pgx.Identifier{schema}.Sanitize()
			if _, err := p.Exec(ctx, "DROP SCHEMA IF EXISTS "+id+" CASCADE; CREATE SCHEMA "+id); err != nil {
				return fmt.Errorf("creating schema %s: %w", schema, err)
			}
			return nil
		},
	}
}

// dropSchema removes a shard's schema and everything in it once its tests are done, so sharded
// runs leave nothing behind in the shared database. Nothing for the default schema.
func dropSchema(ctx context.Context, schema string) error {
	if schema == "" {
		return nil
	}
	_, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	return err
}
