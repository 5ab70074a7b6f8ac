package locate

import (
	"sync"
	"testing"
)

// expectStatus logs what it compares, then fails the test when the status differs.
func expectStatus(t *testing.T, got, want string) {
	t.Helper()
	t.Logf("comparing status %q", got)
	if got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
}

// logStep only logs.
func logStep(t *testing.T, step string) {
	t.Helper()
	t.Logf("step %s: error budget unchanged", step)
}

// checkQueue runs in its own goroutine and stops it when the queue is not empty.
func checkQueue(t *testing.T, wg *sync.WaitGroup, length int) {
	t.Helper()
	defer wg.Done()
	if length != 0 {
		t.Fatalf("queue length = %d, want 0", length)
	}
}
