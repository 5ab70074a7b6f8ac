package rerun

import (
	"os"
	"testing"
)

// others is how many rows another shard wrote at the same time (FIXTURE_CONFLICT), or none.
func others() int {
	if os.Getenv("FIXTURE_CONFLICT") != "" {
		return 3
	}
	return 0
}

func TestShared(t *testing.T) {
	if got := Count(3, others()); got != 3 {
		t.Fatalf("shared_events holds %d rows, not this test's 3 (%s)", got, Label(got, 3))
	}
}

func TestTable(t *testing.T) {
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			n := 1
			if name == "b" {
				n = others() + 1
			}
			if got := Count(n, 0); got != 1 {
				t.Errorf("case %s: count %d, want 1", name, got)
			}
		})
	}
}

func TestSteady(t *testing.T) {
	if Label(Count(2, 0), 2) != "own" {
		t.Fatal("a count of one's own rows must read own")
	}
}

func TestBroken(t *testing.T) {
	t.Fatal("broken on purpose: fails every time")
}

func TestSkipped(t *testing.T) {
	t.Skip("skipped on purpose")
}
