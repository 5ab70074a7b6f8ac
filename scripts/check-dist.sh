#!/usr/bin/env bash
# dist/ is what GitHub runs: rebuild it and fail when the committed bundle differs. (esbuild fails
# the build itself on a module it cannot resolve.)
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist
  git diff --stat -- dist | tail -5
  echo "dist/ is stale: run 'npm run build' and commit dist/" >&2
  exit 1
fi
echo "dist/ is fresh ($(du -sh dist | cut -f1))"
