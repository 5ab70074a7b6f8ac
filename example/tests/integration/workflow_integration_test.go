package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/in-cluster-test/example/internal/auth"
	"github.com/in-cluster-test/example/internal/httpapi"
	"github.com/in-cluster-test/example/internal/migrations"
	"github.com/in-cluster-test/example/internal/store"
	"github.com/in-cluster-test/example/tests/helpers"
)

type client struct {
	t     *testing.T
	h     http.Handler
	token string
}

func newClient(t *testing.T, userID int64) (*client, *store.Store) {
	tx := helpers.Tx(t, pool)
	s := store.New(tx)
	issuer := helpers.Issuer(t, cfg)
	token, err := issuer.GenerateToken(context.Background(), userID, "user", []string{"editor"}, time.Hour)
	require.NoError(t, err)
	return &client{t: t, h: httpapi.Handler(s, issuer, pool), token: token}, s
}

func (c *client) do(method, path string, body any) (*http.Response, map[string]any) {
	c.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		require.NoError(c.t, json.NewEncoder(&buf).Encode(body))
	}
	req := httptest.NewRequest(method, path, &buf)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 && rec.Body.Bytes()[0] == '{' {
		require.NoError(c.t, json.Unmarshal(rec.Body.Bytes(), &out))
	}
	return rec.Result(), out
}

func TestWorkflowLifecycle(t *testing.T) {
	c, _ := newClient(t, 1001)

	res, created := c.do("POST", "/workflows", map[string]string{"name": "nightly build", "description": "runs at 3am"})
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "draft", created["status"])
	id := int64(created["id"].(float64))
	path := "/workflows/" + jsonNumber(id)

	res, got := c.do("GET", path, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "nightly build", got["name"])

	res, updated := c.do("PUT", path, map[string]string{"name": "nightly build", "description": "runs at 4am", "status": "active"})
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "active", updated["status"])
	assert.Equal(t, "runs at 4am", updated["description"])

	res, _ = c.do("GET", "/workflows", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)

	res, _ = c.do("DELETE", path, nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	res, _ = c.do("GET", path, nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestWorkflowsBelongToTheirOwner(t *testing.T) {
	c, s := newClient(t, 2001)
	other, err := s.Create(context.Background(), 2002, "someone else's", "")
	require.NoError(t, err)

	res, _ := c.do("GET", "/workflows/"+jsonNumber(other.ID), nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "a user must not read another user's workflow")
	res, _ = c.do("DELETE", "/workflows/"+jsonNumber(other.ID), nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	list, err := s.List(context.Background(), 2001)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestInvalidInputIsRejected(t *testing.T) {
	c, _ := newClient(t, 3001)
	res, body := c.do("POST", "/workflows", map[string]string{"name": "  "})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body["error"], "non-empty name")
	res, _ = c.do("GET", "/workflows/abc", nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	res, _ = c.do("PUT", "/workflows/1", map[string]string{"name": "x", "status": "deleted"})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

func TestAuthentication(t *testing.T) {
	c, _ := newClient(t, 4001)
	issuer := helpers.Issuer(t, cfg)
	ctx := context.Background()

	expired, err := issuer.GenerateToken(ctx, 4001, "user", nil, -time.Minute)
	require.NoError(t, err)
	wrongKey, err := auth.NewIssuer("a-completely-different-secret")
	require.NoError(t, err)
	forged, err := wrongKey.GenerateToken(ctx, 4001, "user", nil, time.Hour)
	require.NoError(t, err)

	for name, token := range map[string]string{"missing": "", "expired": expired, "wrong secret": forged, "garbage": "not.a.jwt"} {
		t.Run(name, func(t *testing.T) {
			unauth := &client{t: t, h: c.h, token: token}
			res, _ := unauth.do("GET", "/workflows", nil)
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		})
	}

	claims, err := issuer.ValidateToken(ctx, c.token)
	require.NoError(t, err)
	assert.Equal(t, int64(4001), claims.UserID)
	assert.Equal(t, []string{"editor"}, claims.Roles)
}

func TestHealthzChecksTheDatabase(t *testing.T) {
	c, _ := newClient(t, 5001)
	res, body := c.do("GET", "/healthz", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "ok", body["status"])
}

func TestMigrationsAreIdempotent(t *testing.T) {
	applied, err := migrations.Apply(context.Background(), pool)
	require.NoError(t, err)
	assert.Empty(t, applied, "TestMain applied every migration already")
}

func TestDatabaseEnforcesStatus(t *testing.T) {
	tx := helpers.Tx(t, pool)
	_, err := tx.Exec(context.Background(), `INSERT INTO workflows (owner_id, name, status) VALUES (1, 'x', 'bogus')`)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "workflows_status_check")
}

// TestDeliberateFailure fails only with EXAMPLE_FAIL=1, so the action's end-to-end run can prove
// that a real failure is reported with its file and line.
func TestDeliberateFailure(t *testing.T) {
	if os.Getenv("EXAMPLE_FAIL") != "1" {
		t.Skip("set EXAMPLE_FAIL=1 to see a failure reported")
	}
	c, _ := newClient(t, 6001)
	res, created := c.do("POST", "/workflows", map[string]string{"name": "deliberate"})
	require.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "active", created["status"], "new workflows start as drafts, so this assertion fails on purpose")
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The tests below are switched on only by the action's fault suite, to prove on a real cluster
// that each kind of failure is reported for what it is.

// TestDeliberateMemoryHog holds far more memory than the fault suite's limit (EXAMPLE_OOM=1).
func TestDeliberateMemoryHog(t *testing.T) {
	if os.Getenv("EXAMPLE_OOM") != "1" {
		t.Skip("set EXAMPLE_OOM=1 to exceed the memory limit")
	}
	var hold [][]byte
	for i := 0; i < 64; i++ {
		chunk := make([]byte, 16<<20)
		for j := range chunk {
			chunk[j] = byte(j)
		}
		hold = append(hold, chunk)
		t.Logf("holding %d MiB", (i+1)*16)
	}
	t.Logf("held %d chunks without being killed", len(hold))
}

// TestDeliberateHang never finishes (EXAMPLE_HANG=1), for the Job deadline.
func TestDeliberateHang(t *testing.T) {
	if os.Getenv("EXAMPLE_HANG") != "1" {
		t.Skip("set EXAMPLE_HANG=1 to hang")
	}
	t.Log("waiting forever")
	time.Sleep(time.Hour)
}

// TestDeliberatePanic panics (EXAMPLE_PANIC=1).
func TestDeliberatePanic(t *testing.T) {
	if os.Getenv("EXAMPLE_PANIC") != "1" {
		t.Skip("set EXAMPLE_PANIC=1 to panic")
	}
	var w *store.Workflow
	t.Log(w.Name)
}
