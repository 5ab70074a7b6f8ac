package tests

import (
	"context"
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
	var err error
	pool, cfg, err = helpers.Connect(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration tests need a database:", err)
		os.Exit(1)
	}
	code := m.Run()
	pool.Close()
	os.Exit(code)
}
