package shards

import (
	"os"
	"testing"
)

func TestArea(t *testing.T) {
	if a, ok := Area(2, 3); !ok || a != 6 {
		t.Fatalf("Area(2, 3) = %d, %v", a, ok)
	}
}

func TestAreaNegative(t *testing.T) {
	if _, ok := Area(-1, 3); ok {
		t.Fatal("a negative side must be an error")
	}
}

func TestGrade(t *testing.T) {
	for _, c := range []struct {
		score int
		want  string
	}{{95, "A"}, {60, "B"}} {
		t.Run(c.want, func(t *testing.T) {
			if got := Grade(c.score); got != c.want {
				t.Errorf("Grade(%d) = %s, want %s", c.score, got, c.want)
			}
		})
	}
}

func TestReverse(t *testing.T) {
	want := "olleh"
	if os.Getenv("FIXTURE_FAIL") != "" {
		want = "hello"
	}
	if got := Reverse("hello"); got != want {
		t.Errorf("Reverse(hello) = %q, want %q", got, want)
	}
}

func TestGradeLow(t *testing.T) {
	if os.Getenv("FIXTURE_FAIL") != "" {
		t.Fatalf("Grade(10) = %s, want F (deliberate failure)", Grade(10))
	}
	if Grade(10) != "C" {
		t.Fatal("Grade(10) must be C")
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("skipped on purpose")
}

func ExampleReverse() {
	println(Reverse("ab"))
	// Output:
}
