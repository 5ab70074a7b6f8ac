package rerun

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails before any test with FIXTURE_TESTMAIN_FAIL set, as a suite's setup does when
// another shard creates the same tables in the same database at the same time.
func TestMain(m *testing.M) {
	if os.Getenv("FIXTURE_TESTMAIN_FAIL") != "" {
		fmt.Println(`migrating: ERROR: duplicate key value violates unique constraint "pg_type_typname_nsp_index" (SQLSTATE 23505)`)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
