// Package httpapi is the service's HTTP/JSON interface: workflows CRUD behind JWT auth, and a
// health endpoint that checks the database.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/in-cluster-test/example/internal/auth"
	"github.com/in-cluster-test/example/internal/store"
)

// Pinger is the health check's view of the database.
type Pinger interface {
	Ping(ctx context.Context) error
}

type ctxKey struct{}

// Handler returns the service's routes.
func Handler(s *store.Store, issuer *auth.Issuer, db Pinger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.Ping(r.Context()); err != nil {
			writeError(w, http.StatusServiceUnavailable, "database unreachable")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	authed := func(h func(http.ResponseWriter, *http.Request, *auth.Claims)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || token == "" {
				writeError(w, http.StatusUnauthorized, "missing bearer token")
				return
			}
			claims, err := issuer.ValidateToken(r.Context(), token)
			if err != nil {
				writeError(w, http.StatusUnauthorized, "invalid token")
				return
			}
			h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, claims)), claims)
		}
	}
	mux.HandleFunc("POST /workflows", authed(func(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
		var in struct{ Name, Description string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || strings.TrimSpace(in.Name) == "" {
			writeError(w, http.StatusBadRequest, "body must be JSON with a non-empty name")
			return
		}
		wf, err := s.Create(r.Context(), c.UserID, in.Name, in.Description)
		respond(w, http.StatusCreated, wf, err)
	}))
	mux.HandleFunc("GET /workflows", authed(func(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
		list, err := s.List(r.Context(), c.UserID)
		respond(w, http.StatusOK, list, err)
	}))
	mux.HandleFunc("GET /workflows/{id}", authed(func(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		wf, err := s.Get(r.Context(), c.UserID, id)
		respond(w, http.StatusOK, wf, err)
	}))
	mux.HandleFunc("PUT /workflows/{id}", authed(func(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var in struct{ Name, Description, Status string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || strings.TrimSpace(in.Name) == "" {
			writeError(w, http.StatusBadRequest, "body must be JSON with a non-empty name")
			return
		}
		if in.Status == "" {
			in.Status = "draft"
		}
		if in.Status != "draft" && in.Status != "active" && in.Status != "archived" {
			writeError(w, http.StatusBadRequest, "status must be draft, active or archived")
			return
		}
		wf, err := s.Update(r.Context(), c.UserID, id, in.Name, in.Description, in.Status)
		respond(w, http.StatusOK, wf, err)
	}))
	mux.HandleFunc("DELETE /workflows/{id}", authed(func(w http.ResponseWriter, r *http.Request, c *auth.Claims) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		err := s.Delete(r.Context(), c.UserID, id)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		respond(w, 0, nil, err)
	}))
	return mux
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "id must be a positive integer")
		return 0, false
	}
	return id, true
}

func respond(w http.ResponseWriter, status int, body any, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "workflow not found")
	case err != nil:
		writeError(w, http.StatusInternalServerError, "internal error")
	default:
		writeJSON(w, status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}
