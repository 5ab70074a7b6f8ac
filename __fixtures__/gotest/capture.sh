#!/usr/bin/env bash
# Regenerates the captured outputs in this folder from the package in src/: each file is what the
# compiled test binary (go test -c -cover, as in a Dockerfile.test) really printed.
set -uo pipefail
cd "$(dirname "$0")"
out=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd src && go mod tidy >/dev/null && CGO_ENABLED=0 go test -c -cover -covermode=atomic -o "$tmp/fixtures.test" .) || exit 1
bin=$tmp/fixtures.test
cd "$tmp"
capture() { # capture NAME ENV... -- ARGS...
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$bin" "$@" >"$out/$name.txt" 2>&1
  echo "$name: exit $?"
}
capture pass X=1 -- -test.v
capture fail FIXTURE_FAIL=1 -- -test.v
capture panic FIXTURE_PANIC=1 -- -test.v
capture timeout FIXTURE_SLOW=1 -- -test.v -test.timeout 2s
capture no-tests X=1 -- -test.v -test.run XXX_NONE
capture coverprofile FIXTURE_FAIL=1 -- -test.v -test.coverprofile "$out/atomic.cover"
sed -i "s#$tmp#/tmp/capture#g" "$out/coverprofile.txt"
# test2json framing, as the binary prints it, and the JSON events go tool test2json makes of it.
FIXTURE_FAIL=1 "$bin" -test.v=test2json >"$out/fail.test2json.txt" 2>&1; echo "fail.test2json: exit $?"
go tool test2json -p example.com/fixtures <"$out/fail.test2json.txt" >"$out/fail.json"
# Killed mid-test, as by the OOM killer: SIGKILL while TestSlow sleeps.
FIXTURE_SLOW=1 "$bin" -test.v >"$out/killed.txt" 2>&1 &
pid=$!
sleep 1.5
kill -9 "$pid"
wait "$pid"; echo "killed: exit $?"
# The profile printed into the log itself, as a binary in a pod hands it over; and set/count modes.
# Through a pipe, as a container runtime reads stdout (a file would be truncated and overwritten).
"$bin" -test.v -test.coverprofile=/dev/stdout 2>&1 | cat >"$out/coverprofile-stdout.txt"; echo "coverprofile-stdout: exit ${PIPESTATUS[0]}"
for mode in set count; do
  (cd "$out/src" && CGO_ENABLED=0 go test -c -cover -covermode=$mode -o "$tmp/fixtures-$mode.test" .) || exit 1
  "$tmp/fixtures-$mode.test" -test.coverprofile "$out/$mode.cover" >/dev/null 2>&1
  FIXTURE_FAIL=1 "$tmp/fixtures-$mode.test" -test.coverprofile "$out/$mode-fail.cover" >/dev/null 2>&1
  echo "$mode profiles captured"
done
