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
	handler := httpapi.Handler(store.New(pool), issuer, pool)
	if os.Getenv("WORKFLOWS_DEBUG_CRASH") == "1" {
		handler = withCrashEndpoint(handler)
	}
	srv := &http.Server{Addr: cfg.ListenAddr, Handler: logRequests(handler), ReadHeaderTimeout: 5 * time.Second}
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

// logRequests writes one line per request, as services usually do: it is what a reviewer reads
// next to a failing test (the action collects it).
func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		slog.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// withCrashEndpoint adds POST /debug/crash, which ends the process (WORKFLOWS_DEBUG_CRASH=1 only):
// the action's fault suite uses it to prove that a service crash during the tests is reported.
func withCrashEndpoint(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("POST /debug/crash", func(w http.ResponseWriter, r *http.Request) {
		slog.Error("crashing on request, as WORKFLOWS_DEBUG_CRASH allows", "from", r.RemoteAddr)
		os.Exit(3)
	})
	return mux
}
