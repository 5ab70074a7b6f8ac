package locate

import "testing"

// A panic in a goroutine the test started, inside the code under test.
func TestGoroutinePanic(t *testing.T) {
	t.Log("starting the cache refresher")
	done := make(chan struct{})
	go func() {
		RefreshCache(nil)
		close(done)
	}()
	<-done
	t.Log("refreshed")
}

// A panic in a goroutine, in the test's own closure.
func TestGoroutinePanicInTest(t *testing.T) {
	t.Log("starting the checker")
	done := make(chan struct{})
	go func() {
		var seen map[string]bool
		seen["o-1"] = true
		close(done)
	}()
	<-done
}
