package t2j

// Every line a failure must be located at ends with "// want-location". The capture script
// picks the tests to run with -test.run; see ../capture.sh.

import (
	"fmt"
	"log"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPass(t *testing.T) {
	t.Log("all good")
}

func TestLogThenError(t *testing.T) {
	t.Log("about to compare")
	if got := Add(2, 2); got != 5 {
		t.Errorf("Add(2, 2) = %d, want 5", got) // want-location
	}
	t.Log("cleanup done")
}

func TestNested(t *testing.T) {
	t.Log("parent only logs")
	t.Run("level1", func(t *testing.T) {
		t.Log("level1 logs")
		t.Run("level2", func(t *testing.T) {
			t.Logf("checking %s", "level2")
			t.Fatalf("expected 1, got %d", 2) // want-location
		})
		t.Run("ok", func(t *testing.T) {})
	})
}

func TestParallel(t *testing.T) {
	for _, name := range []string{"a", "b", "c"} {
		name := name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Logf("parallel %s starting", name)
			time.Sleep(10 * time.Millisecond)
			if name == "b" {
				t.Errorf("name %q: got odd, want even", name) // want-location
			}
		})
	}
}

// testifyLike prints what testify's assert.Equal prints, by hand (no module download).
func testifyLike(t *testing.T, expected, actual string) {
	t.Helper()
	_, file, line := callerOf()
	t.Errorf("\n\tError Trace:\t%s:%d\n\tError:      \tNot equal: \n\t            \texpected: %q\n\t            \tactual  : %q\n\tTest:       \t%s\n\tMessages:   \tthe status should match", file, line, expected, actual, t.Name())
}

func TestTestifyLike(t *testing.T) {
	t.Log("fetched the record")
	testifyLike(t, "active", "draft") // want-location
}

func TestErrorThenLog(t *testing.T) {
	if _, err := Lookup(""); err != nil {
		t.Errorf("unexpected error: %v", err) // want-location
	}
	t.Log("closing the connection")
	t.Log("connection closed")
}

func TestTwoErrors(t *testing.T) {
	t.Errorf("first: got 1, want 2")  // want-location
	t.Errorf("second: got 3, want 4") // want-location
}

func TestNoNewlinePass(t *testing.T) {
	fmt.Print("progress: 50%")
}

func TestNoNewlineFail(t *testing.T) {
	fmt.Print("progress: 99%")
	t.Errorf("got 99, want 100") // want-location
}

func TestAfterNoNewline(t *testing.T) {
	t.Errorf("got %d, want %d", 1, 0) // want-location
}

func TestStderrInterleaved(t *testing.T) {
	for i := 0; i < 20; i++ {
		fmt.Println("stdout line", i)
		log.Println("stderr line", i)
	}
	fmt.Fprint(os.Stderr, "stderr without newline")
}

func TestSkipped(t *testing.T) {
	t.Skip("needs a GPU")
}

func TestParentFailsOnlyThroughChild(t *testing.T) {
	t.Log("setting up")
	t.Run("child", func(t *testing.T) {
		t.Error("mismatch: want 3, got 4") // want-location
	})
	t.Log("tearing down")
}

func TestMultiLine(t *testing.T) {
	t.Errorf("response differs:\n got: %s\nwant: %s", "{a:1}", "{a:2}") // want-location
}

var flakyRuns int

func TestFlaky(t *testing.T) {
	flakyRuns++
	if flakyRuns%2 == 0 {
		t.Errorf("run %d: got flake, want stable", flakyRuns) // want-location
	}
}

func FuzzSeed(f *testing.F) {
	f.Add("ok")
	f.Add("bad")
	f.Fuzz(func(t *testing.T, s string) {
		if s == "bad" {
			t.Errorf("input %q: want not bad", s) // want-location
		}
	})
}

func Example_good() {
	fmt.Println("hello")
	// Output: hello
}

func Example_bad() {
	fmt.Println("line one")
	fmt.Println("line two")
	fmt.Println("line three")
	// Output:
	// line one
	// line 2
	// line three
}

func TestPanic(t *testing.T) {
	t.Log("dividing")
	_ = Div(1, zero()) // want-location
}

func TestPanicSub(t *testing.T) {
	t.Run("ok", func(t *testing.T) {})
	t.Run("boom", func(t *testing.T) {
		var m map[string]int
		m["x"] = 1 // want-location
	})
}

func TestTimeout(t *testing.T) {
	t.Run("fast", func(t *testing.T) {})
	t.Run("group", func(t *testing.T) {
		t.Run("waiting", func(t *testing.T) {
			t.Parallel()
			time.Sleep(time.Hour)
		})
		t.Run("stuck", func(t *testing.T) {
			t.Log("waiting for the queue")
			time.Sleep(time.Hour) // want-location
		})
	})
}

func TestSlow(t *testing.T) {
	t.Run("sleeps", func(t *testing.T) {
		t.Log("starting a long operation")
		time.Sleep(time.Hour) // want-location (SIGQUIT dump)
	})
}

func TestLogFatal(t *testing.T) {
	t.Log("connecting")
	log.Fatal("cannot reach the database: connection refused")
}

func zero() int { return len(strings.TrimSpace(" ")) }
