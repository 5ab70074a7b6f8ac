#!/usr/bin/env bash
# dist/ is what GitHub runs: rebuild it and fail when the committed bundle differs, or when ncc
# silently left a module out (webpack bundles a module it cannot resolve as a throw, so the build
# passes and the action fails at run time).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
if grep -l webpackMissingModule dist/*/*.js; then
  echo "dist: ncc could not resolve a module (webpackMissingModule in the files above)" >&2
  exit 1
fi
if [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist
  git diff --stat -- dist | tail -5
  echo "dist/ is stale: run 'npm run build' and commit dist/" >&2
  exit 1
fi
echo "dist/ is fresh ($(du -sh dist | cut -f1))"
