package locate

import (
	"sync"
	"testing"
)

// t.Fatalf in a goroutine the test started: the goroutine stops, the test logs on.
func TestFatalInGoroutine(t *testing.T) {
	t.Log("starting the worker")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := Validate(Order{}); err != nil {
			t.Fatalf("worker: Validate: %v", err)
		}
	}()
	wg.Wait()
	t.Log("worker finished")
	t.Log("cleaning up")
}

// The same through a helper that runs as its own goroutine.
func TestFatalInHelperGoroutine(t *testing.T) {
	t.Log("checking the queue in the background")
	var wg sync.WaitGroup
	wg.Add(1)
	go checkQueue(t, &wg, 3)
	wg.Wait()
	t.Log("background check returned")
}
