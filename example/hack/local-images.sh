#!/usr/bin/env bash
# Makes the base images Dockerfile.test needs on a machine that reaches no container registry:
# a Debian root from apt (mmdebstrap) imported into Docker, and a Go image made of that root plus
# this machine's Go toolchain. On a GitHub runner none of this is needed (golang:1.26 is pulled).
# Also a PostgreSQL image from Debian's postgresql-15 for the cluster (local/postgres:15).
# Prints the build args to use. Images that exist already are kept.
set -euo pipefail
go_version=$(go env GOVERSION | sed 's/^go//; s/\.[0-9]*$//')
debian=local/debian:bookworm
golang=local/golang:$go_version
# Rebuild the Go image when the host toolchain or trust store changes.

if ! docker image inspect "$debian" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "local-images: building $debian with mmdebstrap" >&2
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,git bookworm "$tmp/root.tar" >&2
  docker import "$tmp/root.tar" "$debian" >/dev/null
fi

if ! docker image inspect "$golang" >/dev/null 2>&1; then
  echo "local-images: building $golang from $debian and $(go env GOROOT)" >&2
  ctx=$(mktemp -d)
  cp -a "$(go env GOROOT)" "$ctx/go"
  # This machine's trust store: module downloads go through the same TLS setup as the host's.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $debian
COPY go /usr/local/go
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/go/bin:/root/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOTOOLCHAIN=local
DOCKERFILE
  docker build -q -t "$golang" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
postgres=local/postgres:15
if ! docker image inspect local/postgres-root:15 >/dev/null 2>&1; then
  echo "local-images: building $postgres (Debian's postgresql-15) with mmdebstrap" >&2
  root=$(mktemp -d)
  mmdebstrap --quiet --variant=minbase --include=postgresql-15 bookworm "$root/root.tar" >&2
  docker import "$root/root.tar" local/postgres-root:15 >/dev/null
  rm -rf "$root"
fi
# The entrypoint layer is rebuilt when the script changes (its hash is the image's label).
entrypoint_sha=$(sha256sum "$(dirname "$0")/postgres-entrypoint.sh" | cut -c1-16)
if [ "$(docker image inspect -f '{{index .Config.Labels "entrypoint-sha"}}' "$postgres" 2>/dev/null)" != "$entrypoint_sha" ]; then
  ctx=$(mktemp -d)
  cp "$(dirname "$0")/postgres-entrypoint.sh" "$ctx/entrypoint.sh"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM local/postgres-root:15
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL entrypoint-sha=$entrypoint_sha
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
DOCKERFILE
  docker build -q -t "$postgres" "$ctx" >/dev/null
  rm -rf "$ctx"
fi
echo "GO_IMAGE=$golang"
