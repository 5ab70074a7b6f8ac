// Package testutil holds assertions the tests share.
package testutil

import "testing"

// MustEqual stops the test when got is not want.
func MustEqual(t testing.TB, got, want any) {
	t.Helper()
	if got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Note logs a step.
func Note(t testing.TB, step string) {
	t.Helper()
	t.Logf("step: %s", step)
}
