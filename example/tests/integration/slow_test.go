package tests

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// The slow suite: eight tests that each take EXAMPLE_SLOW_SUITE_SECONDS seconds and touch the
// database, like integration tests that wait on real work. Skipped unless the variable is set; the
// sharding benchmark and e2e case use it to show N Jobs finishing a suite N times sooner.
func slowSuiteTest(t *testing.T) {
	seconds, err := strconv.Atoi(os.Getenv("EXAMPLE_SLOW_SUITE_SECONDS"))
	if err != nil || seconds <= 0 {
		t.Skip("set EXAMPLE_SLOW_SUITE_SECONDS=N to run the slow suite")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	// pg_sleep keeps the wait in the database, as a slow query or a slow dependency would.
	if _, err := pool.Exec(ctx, "SELECT pg_sleep($1)", seconds); err != nil {
		t.Fatalf("slow query: %v", err)
	}
}

func TestSlowSuite01(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite02(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite03(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite04(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite05(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite06(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite07(t *testing.T) { slowSuiteTest(t) }
func TestSlowSuite08(t *testing.T) { slowSuiteTest(t) }
