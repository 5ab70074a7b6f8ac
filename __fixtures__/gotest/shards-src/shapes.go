// Package shards is a tiny package for the shard fixtures: its tests cover different code, so a
// shard's coverage differs from the whole run's and only a correct merge of the shards' cover
// profiles gives the whole run's. capture-shards.sh compiles it; it is never shipped.
package shards

// Area of a rectangle; negative sides are an error.
func Area(w, h int) (int, bool) {
	if w < 0 || h < 0 {
		return 0, false
	}
	return w * h, true
}

// Grade of a score.
func Grade(score int) string {
	switch {
	case score >= 90:
		return "A"
	case score >= 50:
		return "B"
	default:
		return "C"
	}
}

// Reverse a string by runes.
func Reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// Never is not called by any test: the whole run stays below 100%.
func Never() int { return 42 }
