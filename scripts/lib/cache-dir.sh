#!/usr/bin/env bash
# Prints the folder the scripts cache downloaded tools in, outside the clone:
# $IN_CLUSTER_TEST_CACHE when set, else /var/cache/in-cluster-test when this user can write there
# (root, or a machine prepared for it), else ${XDG_CACHE_HOME:-$HOME/.cache}/in-cluster-test (a
# non-root user, like GitHub's runner user). Creates it.
set -euo pipefail
if [ -n "${IN_CLUSTER_TEST_CACHE:-}" ]; then
  dir=$IN_CLUSTER_TEST_CACHE
elif mkdir -p /var/cache/in-cluster-test 2>/dev/null && [ -w /var/cache/in-cluster-test ]; then
  dir=/var/cache/in-cluster-test
else
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/in-cluster-test
fi
mkdir -p "$dir"
echo "$dir"
