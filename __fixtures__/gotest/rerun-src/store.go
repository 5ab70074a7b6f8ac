// Package rerun is a stand-in for a suite whose tests share a database: with FIXTURE_CONFLICT set
// (as when another shard writes into the same table) some of its tests fail; run again alone,
// they pass. TestBroken fails every time.
package rerun

// Count is what a test reads back after writing its rows: the rows of anyone else writing into
// the same table at the same time are counted too.
func Count(mine, others int) int {
	if others > 0 {
		return mine + others
	}
	return mine
}

// Label names a count; only a count with others in it reads "shared".
func Label(n, mine int) string {
	if n != mine {
		return "shared"
	}
	return "own"
}
