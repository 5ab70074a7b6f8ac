package tests

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// TestDeliberateSlow runs for EXAMPLE_SLOW_SECONDS seconds, printing a numbered line every second,
// so the fault suite can restart the API server (or delete the pod) while a test is running and
// then check that every line reached the log. Skipped unless the variable is set.
func TestDeliberateSlow(t *testing.T) {
	seconds, err := strconv.Atoi(os.Getenv("EXAMPLE_SLOW_SECONDS"))
	if err != nil || seconds <= 0 {
		t.Skip("set EXAMPLE_SLOW_SECONDS=N to run for N seconds")
	}
	for i := 1; i <= seconds; i++ {
		time.Sleep(time.Second)
		t.Logf("slow tick %d/%d", i, seconds)
	}
	t.Logf("slow test done after %d ticks", seconds)
}
