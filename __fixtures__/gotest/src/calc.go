// Package fixtures is a tiny package whose tests produce every shape of go test output our
// parsers must read. It is never shipped: capture.sh compiles it and records what it prints.
package fixtures

// Add returns a+b.
func Add(a, b int) int { return a + b }

// Div returns a/b and panics on b == 0, as integer division does.
func Div(a, b int) int { return a / b }

// Unused is never called by the tests, so coverage stays below 100%.
func Unused(n int) int {
	if n > 0 {
		return n * 2
	}
	return -n
}
