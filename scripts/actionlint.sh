#!/usr/bin/env bash
# Lints the GitHub workflows (ours in .github/workflows and the copy-paste ones in docs/workflows)
# with actionlint, built from its Go module once and cached outside the clone (see
# scripts/lib/cache-dir.sh). actionlint also runs shellcheck on run: scripts when shellcheck is on
# PATH (it is on GitHub's runners).
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.7.12
dir=$(bash scripts/lib/cache-dir.sh)/actionlint-$version
bin=$dir/actionlint
if [ ! -x "$bin" ]; then
  echo "actionlint: installing $version into $dir" >&2
  GOTOOLCHAIN=local GOBIN=$dir go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml docs/workflows/*.yml docs/workflows/*.yaml scripts/act/*.yml)
if [ ${#files[@]} -eq 0 ]; then
  echo "actionlint: no workflow files" >&2
  exit 1
fi
"$bin" -version | head -1 >&2
if command -v shellcheck >/dev/null; then checker="with shellcheck"; else checker="without shellcheck (not on PATH)"; fi
"$bin" "${files[@]}"
echo "actionlint: ${#files[@]} workflows clean ($checker)"
