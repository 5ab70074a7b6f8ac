#!/usr/bin/env bash
# The project's test command (npm test): static checks (actionlint on the workflows too), unit
# tests, the bundle's freshness and a smoke run of the bundle on Node 24, and the example service's
# integration tests against a real PostgreSQL. Fails on the first broken step and says which.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "format"
npx prettier --check . >/dev/null || { npx prettier --check . || true; echo "run: npm run format" >&2; exit 1; }

step "lint"
npx eslint .

step "workflows lint"
bash scripts/actionlint.sh

step "typecheck"
npx tsc --noEmit

step "unit tests"
results=$(mktemp)
NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 npx jest --ci --json --outputFile="$results"
unit_counts=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results")

step "dist is fresh"
bash scripts/check-dist.sh

step "bundle smoke run on Node 24"
bash scripts/smoke-dist.sh

if [ -x example/scripts/test-local.sh ]; then
  step "example service: integration tests against a real PostgreSQL"
  bash example/scripts/test-local.sh
fi

printf '\nnpm test: all steps passed in %ss\n' "$((SECONDS - started))"
echo "unit: $unit_counts"
