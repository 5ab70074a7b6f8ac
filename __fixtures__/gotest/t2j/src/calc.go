package t2j

import "errors"

// Div is code under test; dividing by zero panics inside it, not in the test.
func Div(a, b int) int { return a / b }

func Add(a, b int) int { return a + b }

func Lookup(key string) (string, error) {
	if key == "" {
		return "", errors.New("empty key")
	}
	return "v:" + key, nil
}
