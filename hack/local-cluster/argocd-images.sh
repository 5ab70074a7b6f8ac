#!/usr/bin/env bash
# Images for Argo CD on a cluster that reaches no registry, made from Debian packages and the
# binaries build-argocd.sh compiled: local/argocd:<version> (what quay.io/argoproj/argocd holds:
# argocd + its argv[0] aliases, git, gpg, tini, kustomize; user 999) and local/redis:<version>
# (Debian's redis-server behind an entrypoint that, like the official image's, treats leading
# flags as redis-server arguments, so the install manifest's `args` work unchanged).
# Both are imported into the cluster's containerd. Prints the two references, one per line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ARGOCD_VERSION=${ARGOCD_VERSION:-v3.2.11}
bin=$(bash "$here/build-argocd.sh" | tail -1)
argocd=local/argocd:$ARGOCD_VERSION
redis=local/redis:7
root=local/debian-argocd:bookworm
# A hash of what goes into the argocd image, so a rebuilt binary gives a new image.
stamp=$(cat "$bin/argocd" "$bin/kustomize" "$0" | sha256sum | cut -c1-12)

if ! docker image inspect "$root" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
  tmp=$(mktemp -d)
  echo "argocd-images: building $root with mmdebstrap" >&2
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,git,git-lfs,gnupg,tini,redis-server,openssh-client,tzdata \
    bookworm "$tmp/root.tar" >&2
  docker import "$tmp/root.tar" "$root" >/dev/null
  rm -rf "$tmp"
fi

if [ "$(docker image inspect -f '{{index .Config.Labels "in-cluster-test.stamp"}}' "$argocd" 2>/dev/null)" != "$stamp" ]; then
  ctx=$(mktemp -d)
  cp "$bin/argocd" "$bin/kustomize" "$ctx/"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $root
RUN groupadd -g 999 argocd && useradd -r -u 999 -g argocd -d /home/argocd -m argocd \\
 && mkdir -p /app/config/ssh /app/config/tls /app/config/gpg/source /app/config/gpg/keys \\
 && touch /app/config/ssh/ssh_known_hosts && chown 999 /app/config/gpg/keys && chmod 0700 /app/config/gpg/keys
COPY argocd kustomize /usr/local/bin/
RUN cd /usr/local/bin && for b in argocd-server argocd-repo-server argocd-cmp-server argocd-application-controller \\
      argocd-applicationset-controller argocd-commit-server argocd-notifications argocd-dex argocd-k8s-auth argocd-git-ask-pass; do ln -s argocd \$b; done
LABEL in-cluster-test.stamp=$stamp
ENV USER=argocd
# Numeric: the manifests say runAsNonRoot without a runAsUser, which only a numeric USER satisfies.
USER 999
WORKDIR /home/argocd
ENTRYPOINT ["/usr/bin/tini", "--"]
DOCKERFILE
  docker build -q -t "$argocd" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "argocd-images: built $argocd" >&2
fi

if ! docker image inspect "$redis" >/dev/null 2>&1; then
  ctx=$(mktemp -d)
  cat >"$ctx/entrypoint.sh" <<'SH'
#!/bin/sh
# Like the official redis image: `redis-image --flag …` means `redis-server --flag …`.
case "$1" in -*|'') set -- redis-server "$@" ;; esac
exec "$@"
SH
  chmod +x "$ctx/entrypoint.sh"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $root
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER 999
WORKDIR /tmp
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
DOCKERFILE
  docker build -q -t "$redis" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "argocd-images: built $redis" >&2
fi

# Import only what containerd does not have yet (the argocd image is ~200 MB): a marker per image
# records the Docker image ID last imported, and the reference must still be in containerd.
marks=/var/lib/in-cluster-test/imported
mkdir -p "$marks"
refs=$(command ctr --address /run/containerd/containerd.sock -n k8s.io images ls -q 2>/dev/null || true)
for image in "$argocd" "$redis"; do
  id=$(docker image inspect -f '{{.Id}}' "$image")
  mark=$marks/$(echo "$image" | tr '/:' '__')
  if [ "$(cat "$mark" 2>/dev/null)" != "$id" ] || ! grep -qx "docker.io/$image" <<<"$refs"; then
    bash "$here/load-image.sh" "$image" >&2
    echo "$id" >"$mark"
  fi
done
echo "$argocd"
echo "$redis"
