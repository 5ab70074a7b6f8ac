// Package locate is a small service's code under test; the tests beside it fail on purpose, one
// file per way a failure's place can be misread (see ../capture.sh).
package locate

import (
	"errors"
	"fmt"
)

type Order struct {
	ID     string
	Status string
	Items  []string
}

// Validate says what is wrong with an order.
func Validate(o Order) error {
	if o.ID == "" {
		return errors.New("order has no ID")
	}
	return nil
}

// Total adds up quantities.
func Total(qs []int) int {
	n := 0
	for _, q := range qs {
		n += q
	}
	return n
}

// Dial connects to the order service.
func Dial(addr string) (string, error) {
	if addr == "" {
		return "", fmt.Errorf("dial %q: connection refused", addr)
	}
	return addr, nil
}

// RefreshCache fills the cache; a nil cache is a bug of its caller.
func RefreshCache(cache map[string]int) {
	cache["orders"] = 1
}
