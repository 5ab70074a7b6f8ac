#!/usr/bin/env bash
# Regenerates the shard fixtures: the package in shards-src/ (whose tests cover different code)
# run whole and as two shards (the groups splitTests makes of its `-test.list .` by count, which
# the unit test checks), each printing its cover profile into its log as a pod does
# (-test.coverprofile=/dev/stdout, through a pipe). Atomic mode with FIXTURE_FAIL=1 (a failure in
# each shard), and set mode passing. Merging the shards must give the whole run's counts and
# coverage. Needs Go only (no modules to download).
set -uo pipefail
cd "$(dirname "$0")"
out=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g1='^(ExampleReverse|TestAreaNegative|TestGradeLow|TestSkipped)$'
g2='^(TestArea|TestGrade|TestReverse)$'
for mode in atomic set; do
  (cd shards-src && CGO_ENABLED=0 go test -c -cover -covermode=$mode -o "$tmp/fx-$mode.test" .) || exit 1
done
"$tmp/fx-atomic.test" -test.list . >"$out/test-list-shards.txt" 2>&1
run() { # run NAME MODE ENV -- ARGS...
  local name=$1 mode=$2 envs=$3; shift 4
  (cd "$tmp" && env $envs "$tmp/fx-$mode.test" -test.v -test.coverprofile=/dev/stdout "$@" 2>&1 | cat >"$out/$name.txt")
  echo "$name: exit ${PIPESTATUS[0]}"
}
run shard-atomic-full atomic FIXTURE_FAIL=1 --
run shard-atomic-1 atomic FIXTURE_FAIL=1 -- "-test.run=$g1"
run shard-atomic-2 atomic FIXTURE_FAIL=1 -- "-test.run=$g2"
run shard-set-full set X=1 --
run shard-set-1 set X=1 -- "-test.run=$g1"
run shard-set-2 set X=1 -- "-test.run=$g2"
