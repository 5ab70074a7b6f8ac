#!/usr/bin/env bash
# Builds nektos/act, a workflow engine that reads action.yml, maps `with:` to inputs, picks the
# node runtime, runs post under post-if and hands outputs to later steps, from its Go module once
# (pinned) and caches it outside the clone like actionlint (scripts/lib/cache-dir.sh). Prints the
# binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v0.2.89
dir=$(bash scripts/lib/cache-dir.sh)/act-$version
bin=$dir/act
if [ ! -x "$bin" ]; then
  echo "act: building $version into $dir" >&2
  GOTOOLCHAIN=local GOBIN=$dir go install "github.com/nektos/act@$version" >&2
fi
echo "$bin"
