// Package store keeps workflows in PostgreSQL. It works on any DBTX, so tests can hand it a
// transaction that is rolled back afterwards.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DBTX is what both *pgxpool.Pool and pgx.Tx provide.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Workflow is one user's workflow.
type Workflow struct {
	ID          int64     `json:"id"`
	OwnerID     int64     `json:"owner_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ErrNotFound is returned for a workflow that does not exist or belongs to someone else.
var ErrNotFound = errors.New("workflow not found")

// Store is the workflow repository.
type Store struct{ db DBTX }

// New wraps a pool or a transaction.
func New(db DBTX) *Store { return &Store{db: db} }

const columns = `id, owner_id, name, description, status, created_at, updated_at`

func scan(row pgx.Row) (Workflow, error) {
	var w Workflow
	err := row.Scan(&w.ID, &w.OwnerID, &w.Name, &w.Description, &w.Status, &w.CreatedAt, &w.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Workflow{}, ErrNotFound
	}
	return w, err
}

// Create inserts a workflow owned by ownerID.
func (s *Store) Create(ctx context.Context, ownerID int64, name, description string) (Workflow, error) {
	return scan(s.db.QueryRow(ctx,
		`INSERT INTO workflows (owner_id, name, description) VALUES ($1, $2, $3) RETURNING `+columns,
		ownerID, name, description))
}

// Get returns one of the owner's workflows.
func (s *Store) Get(ctx context.Context, ownerID, id int64) (Workflow, error) {
	return scan(s.db.QueryRow(ctx, `SELECT `+columns+` FROM workflows WHERE id = $1 AND owner_id = $2`, id, ownerID))
}

// List returns the owner's workflows, oldest first.
func (s *Store) List(ctx context.Context, ownerID int64) ([]Workflow, error) {
	rows, err := s.db.Query(ctx, `SELECT `+columns+` FROM workflows WHERE owner_id = $1 ORDER BY id`, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Workflow{}
	for rows.Next() {
		w, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Update changes name, description and status of one of the owner's workflows.
func (s *Store) Update(ctx context.Context, ownerID, id int64, name, description, status string) (Workflow, error) {
	return scan(s.db.QueryRow(ctx,
		`UPDATE workflows SET name = $3, description = $4, status = $5, updated_at = now()
		 WHERE id = $1 AND owner_id = $2 RETURNING `+columns,
		id, ownerID, name, description, status))
}

// Delete removes one of the owner's workflows.
func (s *Store) Delete(ctx context.Context, ownerID, id int64) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM workflows WHERE id = $1 AND owner_id = $2`, id, ownerID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
