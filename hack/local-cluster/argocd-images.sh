#!/usr/bin/env bash
# Images for Argo CD on a cluster that reaches no registry, made from Debian packages and the
# binaries build-argocd.sh compiled: local/argocd:<version> (what quay.io/argoproj/argocd holds:
# argocd + its argv[0] aliases, git, gpg, tini, kustomize, helm; user 999) and local/redis:<version>
# (Debian's redis-server behind an entrypoint that, like the official image's, treats leading
# flags as redis-server arguments, so the install manifest's `args` work unchanged).
# Both are imported into the cluster's containerd. Prints the two references, one per line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ARGOCD_VERSION=${ARGOCD_VERSION:-v3.2.11}
bin=$(bash "$here/build-argocd.sh" | tail -1)
# The tag carries a hash of what goes into the image: a rebuilt binary or a changed recipe gives a
# new tag, so the install manifest changes and the cluster rolls ArgoCD over to it.
# helm is in it (issue 26), so the tag differs from the images made before: a cluster running one of
# those rolls over to this one, and one that runs this one stays.
stamp=$(cat "$bin/argocd" "$bin/kustomize" "$bin/helm" "$0" | sha256sum | cut -c1-12)
argocd=local/argocd:$ARGOCD_VERSION-$stamp
redis=local/redis:7
root=local/debian-argocd:bookworm

if ! docker image inspect "$root" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
  tmp=$(mktemp -d)
  echo "argocd-images: building $root with mmdebstrap" >&2
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,git,git-lfs,gnupg,tini,redis-server,openssh-client,tzdata \
    bookworm "$tmp/root.tar" >&2
  docker import "$tmp/root.tar" "$root" >/dev/null
  rm -rf "$tmp"
fi

if ! docker image inspect "$argocd" >/dev/null 2>&1; then
  ctx=$(mktemp -d)
  cp "$bin/argocd" "$bin/kustomize" "$bin/helm" "$ctx/"
  # The helper scripts upstream's image adds (the repo-server execs gpg-wrapper.sh at start-up).
  src=$(GOTOOLCHAIN=local go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION" | python3 -c 'import sys, json; print(json.load(sys.stdin)["Dir"])')
  cp "$src/hack/gpg-wrapper.sh" "$src/hack/git-verify-wrapper.sh" "$src/entrypoint.sh" "$ctx/"
  chmod 0755 "$ctx"/*.sh
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $root
RUN groupadd -g 999 argocd && useradd -r -u 999 -g argocd -d /home/argocd -m argocd \\
 && chown argocd:0 /home/argocd && chmod g=u /home/argocd \\
 && mkdir -p /app/config/ssh /app/config/tls /app/config/gpg/source /app/config/gpg/keys /etc/ssh \\
 && touch /app/config/ssh/ssh_known_hosts && ln -sf /app/config/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts \\
 && chown 999 /app/config/gpg/keys && chmod 0700 /app/config/gpg/keys
COPY argocd kustomize helm gpg-wrapper.sh git-verify-wrapper.sh entrypoint.sh /usr/local/bin/
RUN cd /usr/local/bin && for b in argocd-server argocd-repo-server argocd-cmp-server argocd-application-controller \\
      argocd-applicationset-controller argocd-commit-server argocd-notifications argocd-dex argocd-k8s-auth argocd-git-ask-pass; do ln -s argocd \$b; done
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

# load-image.sh skips what containerd has already (the argocd image is ~200 MB).
for image in "$argocd" "$redis"; do bash "$here/load-image.sh" "$image" >&2; done
echo "$argocd"
echo "$redis"
