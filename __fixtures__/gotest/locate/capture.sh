#!/usr/bin/env bash
# Regenerates logs/: the package in src/ (tests that fail on purpose, one file per way a failure's
# place can be misread) compiled as a Dockerfile.test does (go test -c -cover -covermode=atomic),
# with and without -trimpath, and run as a pod runs it (stdout and stderr in one stream), with
# -test.v and -test.v=test2json. The build folder shows as /src in the logs, as in an image.
# Needs Go 1.26 and the module proxy (testify, gomega, matryer/is).
set -uo pipefail
cd "$(dirname "$0")"
out=$PWD/logs
mkdir -p "$out"
rm -f "$out"/*.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r src "$tmp/src"

# run NAME BIN ARGS...: the log of one run.
run() {
  local name=$1 bin=$2
  shift 2
  (cd "$tmp" && "$bin" "$@" >"$out/$name.txt" 2>&1)
  echo "$name: exit $?"
  sed -i "s#$tmp/src#/src#g" "$out/$name.txt"
}
# killed NAME BIN ARGS...: SIGKILL after a second, as the OOM killer would.
killed() {
  local name=$1 bin=$2
  shift 2
  (cd "$tmp" && exec "$bin" "$@" >"$out/$name.txt" 2>&1) &
  local pid=$!
  sleep 1
  kill -KILL "$pid"
  wait "$pid"
  echo "$name: exit $?"
  sed -i "s#$tmp/src#/src#g" "$out/$name.txt"
}

logs='^(TestLogAroundCheck|TestLogsReadLikeChecks|TestHelperLogsThenFails|TestFatalAfterLogs|TestOtherReceiver|TestParentLogsChildFails|TestFailWithoutMessage|TestSharedHelper|TestLocalHelper)$'
checks='^(TestTwoChecks|TestTestifyChecks|TestOrderSuite|TestIsChecks|TestGomegaChecks|TestQuicktestChecks)$'
for trim in plain trimpath; do
  flags=(-cover -covermode=atomic)
  [ "$trim" = trimpath ] && flags+=(-trimpath)
  bin=$tmp/$trim.test
  (cd "$tmp/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go test -c "${flags[@]}" -o "$bin" .) || exit 1
  for mode in v t2j; do
    vflag=-test.v
    [ "$mode" = t2j ] && vflag=-test.v=test2json
    p=$trim-$mode
    run "$p-logs" "$bin" $vflag "-test.run=$logs"
    run "$p-checks" "$bin" $vflag "-test.run=$checks"
    run "$p-goroutine" "$bin" $vflag '-test.run=^(TestFatalInGoroutine|TestFatalInHelperGoroutine)$'
    run "$p-timeout" "$bin" $vflag '-test.run=^TestCut$' -test.timeout=1s
    killed "$p-sigkill" "$bin" $vflag '-test.run=^TestCut$'
    run "$p-panic" "$bin" $vflag '-test.run=^TestGoroutinePanic$'
    run "$p-panic-in-test" "$bin" $vflag '-test.run=^TestGoroutinePanicInTest$'
  done
done
go version >"$out/go-version"
