// Package interleave writes thousands of lines to stdout and stderr at once, the way a suite that
// logs with the log package and prints with fmt does: the kubelet timestamps the two streams
// separately, so their lines are not in time order. The end-to-end run checks that the action's
// tests.log holds every line exactly once, as `kubectl logs` shows them.
package interleave

import (
	"fmt"
	"log"
	"os"
	"sync"
	"testing"
)

const lines = 3000

func TestInterleaved(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 1; i <= lines; i++ {
			fmt.Printf("stdout line %d of %d\n", i, lines)
		}
	}()
	go func() {
		defer wg.Done()
		l := log.New(os.Stderr, "", log.Lmicroseconds)
		for i := 1; i <= lines; i++ {
			l.Printf("stderr line %d of %d", i, lines)
		}
	}()
	wg.Wait()
}

func TestAfterTheNoise(t *testing.T) {
	for i := 0; i < 3; i++ {
		t.Run(fmt.Sprintf("sub%d", i), func(t *testing.T) { t.Logf("subtest %d", i) })
	}
}
