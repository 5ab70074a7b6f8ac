// Command server runs the workflows API; `server migrate` only applies the migrations (the
// migration Job runs that).
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/in-cluster-test/example/internal/auth"
	"github.com/in-cluster-test/example/internal/config"
	"github.com/in-cluster-test/example/internal/httpapi"
	"github.com/in-cluster-test/example/internal/migrations"
	"github.com/in-cluster-test/example/internal/store"
)

func main() {
	if err := run(); err != nil {
		slog.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL())
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, err := migrations.Apply(ctx, pool)
	if err != nil {
		return err
	}
	slog.Info("migrations applied", "new", applied, "database", cfg.Address())
	if len(os.Args) > 1 && os.Args[1] == "migrate" {
		return nil
	}
	issuer, err := auth.NewIssuer(cfg.JWTSecret)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.ListenAddr, Handler: httpapi.Handler(store.New(pool), issuer, pool), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	slog.Info("listening", "addr", cfg.ListenAddr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
