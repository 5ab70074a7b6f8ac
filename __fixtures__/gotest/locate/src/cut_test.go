package locate

import (
	"testing"
	"time"
)

// Cut short by -test.timeout or SIGKILL while group/stuck sleeps: done has finished (its report
// not printed yet), paused waits for its parent, checked failed a check and then hangs.
func TestCut(t *testing.T) {
	t.Run("done", func(t *testing.T) { t.Log("finished quickly") })
	t.Run("group", func(t *testing.T) {
		t.Run("paused", func(t *testing.T) {
			t.Parallel()
			time.Sleep(time.Hour)
		})
		t.Run("checked", func(t *testing.T) {
			t.Log("loading")
			t.Errorf("status = %q, want %q", "draft", "active")
			t.Log("waiting for the queue")
			time.Sleep(time.Hour)
		})
	})
}
