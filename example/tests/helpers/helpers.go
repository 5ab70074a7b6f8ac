// Package helpers is shared by the integration tests: a real PostgreSQL from the environment,
// migrations applied once, and one rolled-back transaction per test for isolation.
package helpers

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/in-cluster-test/example/internal/auth"
	"github.com/in-cluster-test/example/internal/config"
	"github.com/in-cluster-test/example/internal/migrations"
)

// TestSecret signs the tests' tokens when JWT_SECRET is not set.
const TestSecret = "integration-test-secret-0123456789"

// Setup is what a suite adds to Connect, both always called: Pool adjusts the pool's config
// before it connects (TestMain's shard schema sets every connection's search_path there), and
// Ready runs once the database answers, before the migrations (creating that schema).
type Setup struct {
	Pool  func(*pgxpool.Config)
	Ready func(context.Context, *pgxpool.Pool) error
}

// Connect opens the database named by POSTGRES_*, with setup's changes, and applies the
// migrations. The error says where it tried to connect and which variables to set.
func Connect(ctx context.Context, setup Setup) (*pgxpool.Pool, config.Config, error) {
	if os.Getenv("JWT_SECRET") == "" {
		_ = os.Setenv("JWT_SECRET", TestSecret)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, cfg, err
	}
	poolCfg, err := pgxpool.ParseConfig(cfg.DatabaseURL())
	if err != nil {
		return nil, cfg, err
	}
	setup.Pool(poolCfg)
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, cfg, err
	}
	// Wait a little: in a cluster the database may still be starting when the Job does.
	deadline := time.Now().Add(envDuration("POSTGRES_WAIT", 20*time.Second))
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err = pool.Ping(pingCtx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		pool.Close()
		return nil, cfg, fmt.Errorf("cannot reach PostgreSQL at %s as user %q, database %q: %v\n"+
			"set POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB "+
			"(in a cluster: the Service's DNS name, e.g. postgres.<namespace>.svc.cluster.local)",
			cfg.Address(), cfg.PostgresUser, cfg.PostgresDB, err)
	}
	if err := setup.Ready(ctx, pool); err != nil {
		pool.Close()
		return nil, cfg, err
	}
	if _, err := migrations.Apply(ctx, pool); err != nil {
		pool.Close()
		return nil, cfg, fmt.Errorf("applying migrations: %w", err)
	}
	return pool, cfg, nil
}

// Tx begins a transaction that is rolled back when the test ends: tests never see each
// other's rows, and the database stays clean.
func Tx(t testing.TB, pool *pgxpool.Pool) pgx.Tx {
	t.Helper()
	tx, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatalf("begin transaction: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	return tx
}

// Issuer signs tokens with the configured secret.
func Issuer(t testing.TB, cfg config.Config) *auth.Issuer {
	t.Helper()
	i, err := auth.NewIssuer(cfg.JWTSecret)
	if err != nil {
		t.Fatalf("issuer: %v", err)
	}
	return i
}

func envDuration(key string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return fallback
}
