#!/usr/bin/env bash
# Regenerates the rerun fixtures (rerun-failed) from the package in rerun-src/: two shards run
# with FIXTURE_CONFLICT=1 (another shard's rows in the same table: TestShared and TestTable/b
# fail), then the failed tests run again alone without it (they pass; TestBroken fails again),
# then TestBroken alone once more; and a shard whose TestMain fails. Every run prints its cover profile into its log as a pod does
# (-test.coverprofile=/dev/stdout, through a pipe). The -test.run values are what rerunArgs and
# splitTests make of them, which the unit test checks. Needs Go only.
set -uo pipefail
cd "$(dirname "$0")"
out=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd rerun-src && CGO_ENABLED=0 go test -c -cover -covermode=atomic -o "$tmp/rerun.test" .) || exit 1
run() { # run NAME ENV -- ARGS...
  local name=$1 envs=$2; shift 3
  (cd "$tmp" && env $envs "$tmp/rerun.test" -test.v -test.coverprofile=/dev/stdout "$@" 2>&1 | cat >"$out/$name.txt")
  echo "$name: exit ${PIPESTATUS[0]}"
}
run rerun-full X=1 --
(cd "$tmp" && "$tmp/rerun.test" -test.list . >"$out/rerun-list.txt" 2>&1)
run rerun-shard-1 FIXTURE_CONFLICT=1 -- '-test.run=^(TestBroken|TestSkipped|TestTable)$'
run rerun-shard-2 FIXTURE_CONFLICT=1 -- '-test.run=^(TestShared|TestSteady)$'
run rerun-1 X=1 -- '-test.run=^(TestBroken|TestShared|TestTable)$'
run rerun-2 X=1 -- '-test.run=^(TestBroken)$'
# Shard 2's TestMain fails beside shard 1 (its tables being created there too): none of its tests
# ran, so the rerun runs them with shard 1's failures.
run rerun-shard-2-testmain FIXTURE_TESTMAIN_FAIL=1 -- '-test.run=^(TestShared|TestSteady)$'
run rerun-1-testmain X=1 -- '-test.run=^(TestBroken|TestShared|TestSteady|TestTable)$'
