#!/usr/bin/env bash
# Regenerates the logs in logs/: the package in src/ compiled as a Dockerfile.test does
# (go test -c -cover -covermode=atomic -coverpkg=./...) with the installed Go and with Debian's
# Go 1.19 (apt-get install golang-1.19), each with and without -trimpath, and run as a pod runs it
# (stdout and stderr in one stream), with -test.v and, where the binary knows it (Go 1.20+), with
# -test.v=test2json. Beside each log, NAME.json is what `go test -json` reports for it: `go tool
# test2json -t` (of the same Go as the binary) of the log's bytes followed by the lines go test
# itself adds when the binary has exited (see finish below; its FAIL line is what makes test2json
# emit a report still pending, e.g. the `--- FAIL` printed just before a panic). The reference the parser's unit test
# (__tests__/results/test2json.test.ts) compares with. The build folder is renamed /src in the
# logs, as in an image. Needs no module downloads.
set -uo pipefail
cd "$(dirname "$0")"
out=$PWD/logs
mkdir -p "$out"
rm -f "$out"/*.txt "$out"/*.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r src "$tmp/src"
GO126=${GO126:-go}
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
main='^(TestPass|TestLogThenError|TestNested|TestParallel|TestTestifyLike|TestErrorThenLog|TestTwoErrors|TestNoNewlinePass|TestNoNewlineFail|TestAfterNoNewline|TestStderrInterleaved|TestSkipped|TestParentFailsOnlyThroughChild|TestMultiLine|TestFlaky|FuzzSeed|Example_good|Example_bad)$'

# run NAME GO BIN ARGS...: the log and test2json's events of it.
run() {
  local name=$1 go=$2 bin=$3
  shift 3
  (cd "$tmp" && "$bin" "$@" >"$out/$name.txt" 2>&1)
  local rc=$?
  echo "$name: exit $rc"
  finish "$name" "$go" $rc
}
# kill NAME GO SIGNAL BIN ARGS...: killed after a second, as the OOM killer or a runtime would.
killed() {
  local name=$1 go=$2 sig=$3 bin=$4
  shift 4
  (cd "$tmp" && exec "$bin" "$@" >"$out/$name.txt" 2>&1) &
  local pid=$!
  sleep 1
  kill -s "$sig" "$pid"
  wait "$pid"
  local rc=$?
  echo "$name: exit $rc"
  finish "$name" "$go" $rc
}
# finish NAME GO EXIT: the reference, as cmd/go's runTestActor feeds its converter after the
# binary's output: the error of a binary that did not exit by itself (`signal: killed`), a
# newline if the output lacks one, and `FAIL\tpkg\tTIME`, ^V-framed when the binary was.
finish() {
  sed -i "s#$tmp/src#/src#g" "$out/$1.txt"
  local prefix=''
  case $1 in *-t2j-*) prefix=$'\x16' ;; esac
  {
    cat "$out/$1.txt"
    if [ "$3" != 0 ]; then
      [ "$3" = 137 ] && printf 'signal: killed\n'
      [ -n "$(tail -c1 "$out/$1.txt")" ] && [ "$3" != 137 ] && printf '\n'
      printf '%sFAIL\texample.com/t2j\t0.000s\n' "$prefix"
    else
      printf 'ok  \texample.com/t2j\t0.000s\n'
    fi
  } | "$2" tool test2json -t -p example.com/t2j >"$out/$1.json"
}

for go in "$GO126" "$GO119"; do
  v=$("$go" env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/go\1/')
  for trim in plain trimpath; do
    flags=(-cover -covermode=atomic -coverpkg=./...)
    [ "$trim" = trimpath ] && flags+=(-trimpath)
    bin=$tmp/$v-$trim.test
    (cd "$tmp/src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 "$go" test -c "${flags[@]}" -o "$bin" .) || exit 1
    modes=(v)
    # Go 1.19's -test.v is a plain bool: no test2json framing.
    [ "$v" != go1.19 ] && modes+=(t2j)
    for mode in "${modes[@]}"; do
      vflag=-test.v
      [ "$mode" = t2j ] && vflag=-test.v=test2json
      p=$v-$trim-$mode
      run "$p-main" "$go" "$bin" $vflag "-test.run=$main"
      run "$p-count" "$go" "$bin" $vflag '-test.run=^(TestFlaky|TestParallel|TestNested|Example_bad)$' -test.count=3
      run "$p-panic" "$go" "$bin" $vflag '-test.run=^(TestPass|TestPanic)$'
      run "$p-panicsub" "$go" "$bin" $vflag '-test.run=^TestPanicSub$'
      run "$p-timeout" "$go" "$bin" $vflag '-test.run=^(TestPass|TestTimeout)$' -test.timeout=1s
      run "$p-logfatal" "$go" "$bin" $vflag '-test.run=^(TestPass|TestLogFatal)$'
      killed "$p-sigkill" "$go" KILL "$bin" $vflag '-test.run=^(TestPass|TestSlow)$'
      killed "$p-sigquit" "$go" QUIT "$bin" $vflag '-test.run=^(TestPass|TestSlow)$'
    done
  done
done
