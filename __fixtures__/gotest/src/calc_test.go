package fixtures

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func failing(t *testing.T) {
	if os.Getenv("FIXTURE_FAIL") != "1" {
		t.Skip("set FIXTURE_FAIL=1 to run the failing cases")
	}
}

func TestAdd(t *testing.T) {
	if Add(2, 3) != 5 {
		t.Fatal("2+3 should be 5")
	}
	t.Log("Add works")
}

func TestTable(t *testing.T) {
	cases := []struct {
		name    string
		a, b, w int
	}{{"small", 1, 2, 3}, {"zero", 0, 0, 0}, {"negative", -1, -2, -3}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.w, Add(c.a, c.b))
		})
	}
}

func TestParallel(t *testing.T) {
	for _, n := range []string{"a", "b"} {
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			time.Sleep(10 * time.Millisecond)
			t.Logf("parallel %s done", n)
		})
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("needs a GPU")
}

func TestTestifyFailure(t *testing.T) {
	failing(t)
	got := map[string]int{"a": 1}
	assert.Equal(t, map[string]int{"a": 2}, got, "the map should hold the updated count")
}

func TestPlainFailure(t *testing.T) {
	failing(t)
	if Add(2, 2) != 5 {
		t.Errorf("Add(2, 2) = %d, want %d\nwhich is what the spec says", Add(2, 2), 5)
	}
}

func TestSubtestFailure(t *testing.T) {
	failing(t)
	t.Run("ok", func(t *testing.T) {})
	t.Run("broken", func(t *testing.T) {
		require.NoError(t, os.ErrNotExist, "opening the config")
	})
}

func TestPanics(t *testing.T) {
	if os.Getenv("FIXTURE_PANIC") != "1" {
		t.Skip("set FIXTURE_PANIC=1")
	}
	zero := 0
	_ = Div(1, zero)
}

func TestSlow(t *testing.T) {
	if os.Getenv("FIXTURE_SLOW") != "1" {
		t.Skip("set FIXTURE_SLOW=1")
	}
	t.Log("starting a long operation")
	time.Sleep(30 * time.Second)
}
