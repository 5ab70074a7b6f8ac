package locate

import (
	"testing"

	"example.com/locate/internal/testutil"
)

// Logs before and after the failing check.
func TestLogAroundCheck(t *testing.T) {
	t.Log("submitting the order")
	if err := Validate(Order{ID: "o-1"}); err == nil {
		t.Errorf("Validate(%q) = nil, want an error for an order without items", "o-1")
	}
	t.Log("continuing with the next order")
}

// Log lines that read like assertions, around a failing call that spans lines.
func TestLogsReadLikeChecks(t *testing.T) {
	t.Logf("expected state before the update: %s", "draft")
	got := Total([]int{1, 2})
	if got != 4 {
		t.Errorf(
			"Total(%v) = %d, want %d",
			[]int{1, 2}, got, 4,
		)
	}
	t.Logf("got %d rows back, want to retry: %v", 2, false)
}

// A helper that logs and then fails, called between two logs.
func TestHelperLogsThenFails(t *testing.T) {
	logStep(t, "fetch")
	expectStatus(t, "draft", "active")
	t.Log("record checked")
}

// t.Fatalf with a message of several lines, after logs.
func TestFatalAfterLogs(t *testing.T) {
	t.Log("connecting")
	testutil.Note(t, "dial")
	conn, err := Dial("")
	if err != nil {
		t.Fatalf("Dial(%q): %v\nis the order service up?", "", err)
	}
	t.Log("unreachable", conn)
}

// The failing check on a receiver other than t, in a chain that spans lines.
func TestOtherReceiver(t *testing.T) {
	type fixture struct{ t *testing.T }
	f := fixture{t}
	f.t.Log("using the fixture's T")
	f.t.
		Errorf("fixture: status = %q, want %q", "draft", "active")
	f.t.Log("fixture done")
}

// A parent that only logs, around a failing subtest.
func TestParentLogsChildFails(t *testing.T) {
	t.Log("parent: setting up")
	t.Run("child", func(t *testing.T) {
		t.Log("child: starting")
		t.Error("child: status is draft")
		t.Log("child: done")
	})
	t.Log("parent: tearing down")
}

// A test failed by t.Fail: no line says where.
func TestFailWithoutMessage(t *testing.T) {
	t.Log("looked at the order")
	t.Fail()
	t.Log("marked failed")
}

// A helper from another package that stops the test.
func TestSharedHelper(t *testing.T) {
	t.Log("comparing totals")
	testutil.MustEqual(t, Total([]int{2, 2}), 5)
	t.Log("unreachable")
}

// A helper the test defines inside itself.
func TestLocalHelper(t *testing.T) {
	check := func(got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("check: got %d, want %d", got, want)
		}
	}
	t.Log("checking the totals")
	check(Total([]int{1}), 1)
	check(Total([]int{1, 1}), 3)
	t.Log("totals checked")
}
