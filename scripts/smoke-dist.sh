#!/usr/bin/env bash
# Runs the committed bundles the way the runner does, on Node 24: bad input must fail before any
# cluster work with a message naming the input, and the post step must succeed with no state.
set -euo pipefail
cd "$(dirname "$0")/.."
node24=$(bash scripts/node24.sh)
echo "node: $($node24 --version)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GITHUB_OUTPUT=$tmp/output GITHUB_STATE=$tmp/state GITHUB_STEP_SUMMARY=$tmp/summary RUNNER_TEMP=$tmp
touch "$GITHUB_OUTPUT" "$GITHUB_STATE" "$GITHUB_STEP_SUMMARY"

set +e
out=$(INPUT_CLUSTER=bogus GITHUB_WORKSPACE=$PWD "$node24" dist/main/index.js 2>&1)
code=$?
set -e
echo "$out" | tail -3
if [ "$code" -eq 0 ] || ! grep -q "::error::Input 'cluster': 'bogus' is not one of: kind, existing" <<<"$out"; then
  echo "smoke: INPUT_CLUSTER=bogus should fail naming the cluster input (exit $code)" >&2
  exit 1
fi

"$node24" dist/post/index.js >"$tmp/post.log" 2>&1 || { cat "$tmp/post.log"; echo "smoke: post step failed" >&2; exit 1; }
grep -q "Nothing to clean up" "$tmp/post.log" || { cat "$tmp/post.log"; echo "smoke: post step said nothing" >&2; exit 1; }

"$node24" dist/cli/index.js --help >"$tmp/cli.log" 2>&1 || { cat "$tmp/cli.log"; echo "smoke: CLI --help failed" >&2; exit 1; }
# report --source: a saved log's failure at its failing call, read from the tests' checkout.
set +e
"$node24" dist/cli/index.js report --log __fixtures__/gotest/locate/logs/plain-v-logs.txt \
  --source __fixtures__/gotest/locate/src --json >"$tmp/report.json" 2>&1
code=$?
set -e
where=$(node -e 'const f = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).failures[0]; console.log(`${f.file}:${f.line} ${f.how}`)' "$tmp/report.json" 2>&1 || true)
if [ "$code" -ne 1 ] || [ "$where" != "logs_test.go:13 source" ]; then
  cat "$tmp/report.json"
  echo "smoke: CLI report --source should place TestLogAroundCheck at logs_test.go:13 (exit $code, got $where)" >&2
  exit 1
fi
echo "smoke: main fails on bad input naming it, post and CLI run on $($node24 --version)"
