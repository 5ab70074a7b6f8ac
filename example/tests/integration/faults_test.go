package tests

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

// TestDeliberateServiceCrash asks the deployed service to crash (EXAMPLE_CRASH_URL, the service's
// base URL; the service must run with WORKFLOWS_DEBUG_CRASH=1) and then fails, so the fault suite
// can check that the failure is reported together with the service's restart and its last lines.
func TestDeliberateServiceCrash(t *testing.T) {
	url := os.Getenv("EXAMPLE_CRASH_URL")
	if url == "" {
		t.Skip("set EXAMPLE_CRASH_URL to the deployed service's URL to crash it")
	}
	res, err := http.Post(url+"/debug/crash", "application/json", nil)
	if err == nil {
		_ = res.Body.Close()
	}
	require.NoError(t, err, "the service dropped the request: it crashed")
}
