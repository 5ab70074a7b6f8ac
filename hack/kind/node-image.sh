#!/usr/bin/env bash
# Builds a kind node image (what kindest/node holds) on a machine that reaches no container
# registry, from real parts, assembled by kind's own `kind build node-image` (release-tarball
# type): kind puts kubeadm, kubelet and kubectl in the image, loads the tarball's image archives
# into the image's containerd, writes /kind/version and its default CNI and storage manifests, and
# commits. What goes in:
#   Kubernetes v1.32.9 server binaries and kubeadm    hack/local-cluster/build.sh (Go module)
#   etcd (the version kubeadm asks for)                build-etcd.sh (Go module)
#   CoreDNS (the version kubeadm asks for)             hack/local-cluster/build-coredns.sh (Go module)
#   pause                                              Debian's static catatonit, like the local cluster
#   local-path-provisioner                             its Go module, v0.0.33 (kind builds v0.0.34, which is not served)
#   local-path-helper                                  Debian's busybox-static (sh, mkdir, rm)
#   kindnetd                                           images/kindnetd, a stand-in (its source is not served)
#   base image                                         base-image.sh (Debian bookworm, containerd from its Go
#                                                      module, kind's base files)
# Every image is tagged with the name kubeadm and kind's manifests use, so kind's configuration
# stays unchanged. kind's builder pulls every image that is not in the tarball's archives with
# `ctr content fetch`, which reads no registry configuration (no hosts dir, no mirror) and fails
# here; so the tarball's kube-apiserver.tar carries the other images too, behind a `repositories`
# entry that kind reads their names from (see README.md). The image is checked afterwards: every
# image kubeadm and kind's manifests name must be in its containerd, or the build fails.
# Cached: the tag carries a hash of every input; a warm call takes a second. Prints the image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KIND_VERSION=${KIND_VERSION:-v0.32.0}
K8S_VERSION=${K8S_VERSION:-v1.32.9}
LOCAL_PATH_VERSION=${LOCAL_PATH_VERSION:-v0.0.33}
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
started=$SECONDS
phase() { printf 'node-image.sh: [%4ss] %s\n' "$((SECONDS - started))" "$*" >&2; }

# What kubeadm v1.32 asks for (`kubeadm config images list --kubernetes-version v1.32.9`) and
# what kind v0.32.0's default manifests and containerd configuration name
# (pkg/build/nodeimage/const_cni.go, const_storage.go; images/base/files/etc/containerd/config.toml).
ETCD_IMAGE=registry.k8s.io/etcd:3.5.16-0
COREDNS_IMAGE=registry.k8s.io/coredns/coredns:v1.11.3
PAUSE_IMAGE=registry.k8s.io/pause:3.10
KINDNETD_IMAGE=docker.io/kindest/kindnetd:v20260528-9350166c
LOCAL_PATH_IMAGE=docker.io/kindest/local-path-provisioner:v20260521-9fb22683
LOCAL_PATH_HELPER_IMAGE=docker.io/kindest/local-path-helper:v20260131-7181c60a
etcd_version=v${ETCD_IMAGE##*:}
etcd_version=${etcd_version%-0}
coredns_version=${COREDNS_IMAGE##*:}

kind=$(bash "$here/go-install.sh" kind sigs.k8s.io/kind "$KIND_VERSION" | tail -1)
stamp=$(cat "$0" "$here"/base-image.sh "$here"/build-containerd.sh "$here"/build-etcd.sh "$here"/go-install.sh "$here"/check-node-image.sh "$here"/images/* \
  "$here/../local-cluster/build.sh" "$here/../local-cluster/build-coredns.sh" \
  <(echo "$KIND_VERSION $K8S_VERSION $LOCAL_PATH_VERSION") | sha256sum | cut -c1-12)
image=local/kind-node:$K8S_VERSION-$stamp
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

phase "binaries (cached by version)"
for p in catatonit busybox-static; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt=1
done
if [ -n "${need_apt:-}" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq catatonit busybox-static >/dev/null
fi
k8s=$(nice -n 10 bash "$here/../local-cluster/build.sh" kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubectl kubeadm | tail -1)
etcd=$(bash "$here/build-etcd.sh" | tail -1)
coredns=$(COREDNS_VERSION=$coredns_version nice -n 10 bash "$here/../local-cluster/build-coredns.sh" | tail -1)
local_path=$(bash "$here/go-install.sh" local-path-provisioner github.com/rancher/local-path-provisioner "$LOCAL_PATH_VERSION" \
  "-X main.VERSION=$LOCAL_PATH_VERSION" | tail -1)
[[ "$("$etcd" --version)" == *"etcd Version: ${etcd_version#v}"* ]] || {
  echo "node-image.sh: $etcd is not etcd $etcd_version" >&2
  exit 1
}

phase "base image"
base=$(bash "$here/base-image.sh" | tail -1)

work=$(mktemp -d /var/tmp/kind-node.XXXXXX)
trap 'rm -rf "$work"' EXIT

phase "tools image (kube-proxy, kindnetd)"
tools_packages=iptables,nftables,iproute2,conntrack,curl,jq,ca-certificates
tools_stamp=$(echo "bookworm minbase $tools_packages" | sha256sum | cut -c1-12)
tools=local/kind-tools:bookworm-$tools_stamp
if ! docker image inspect "$tools" >/dev/null 2>&1; then
  tools_tar=$cache/kind-tools/bookworm-$tools_stamp.tar
  if [ ! -f "$tools_tar" ]; then
    mkdir -p "$(dirname "$tools_tar")"
    nice -n 10 mmdebstrap --quiet --variant=minbase --format=tar \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --include="$tools_packages" \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
      bookworm "$tools_tar.tmp" >&2
    mv "$tools_tar.tmp" "$tools_tar"
    find "$(dirname "$tools_tar")" -maxdepth 1 -name 'bookworm-*.tar' ! -name "$(basename "$tools_tar")" -delete
  fi
  docker import "$tools_tar" "$tools" >/dev/null
fi

phase "component images"
# build NAME DOCKERFILE FILES...: a local image from FILES; prints its reference.
build() {
  local name=$1 dockerfile=$2 ctx=$work/ctx-$1
  shift 2
  mkdir -p "$ctx/skel/tmp"
  chmod 1777 "$ctx/skel/tmp"
  cp -a "$@" "$ctx/"
  printf '%s\n' "$dockerfile" >"$ctx/Dockerfile"
  docker build -q -t "local/kind-part-$name:$stamp" "$ctx" >/dev/null
  rm -rf "$ctx"
  echo "local/kind-part-$name:$stamp"
}
static() { # NAME BINARY: FROM scratch, the binary in /usr/local/bin
  build "$1" "FROM scratch
COPY skel/ /
COPY $(basename "$2") /usr/local/bin/$1
ENV PATH=/usr/local/bin:/usr/bin:/bin
ENTRYPOINT [\"/usr/local/bin/$1\"]" "$2"
}
declare -A ref
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  ref[$c]=$(static "$c" "$k8s/$c")
done
cp "$k8s/kube-proxy" "$work/kube-proxy.bin"
ref[kube-proxy]=$(build kube-proxy "FROM $tools
COPY kube-proxy.bin kube-proxy select-iptables /usr/local/bin/
ENTRYPOINT [\"/usr/local/bin/kube-proxy\"]" "$work/kube-proxy.bin" "$here/images/kube-proxy" "$here/images/select-iptables")
ref[etcd]=$(static etcd "$etcd")
cp "$coredns" "$work/coredns"
ref[coredns]=$(build coredns "FROM scratch
COPY skel/ /
COPY coredns /coredns
ENTRYPOINT [\"/coredns\"]" "$work/coredns")
cp /usr/bin/catatonit "$work/pause"
ref[pause]=$(build pause "FROM scratch
COPY pause /pause
ENTRYPOINT [\"/pause\", \"-P\"]" "$work/pause")
ref[kindnetd]=$(build kindnetd "FROM $tools
COPY kindnetd select-iptables /usr/local/bin/
ENTRYPOINT [\"/usr/local/bin/kindnetd\"]" "$here/images/kindnetd" "$here/images/select-iptables")
ref[local-path-provisioner]=$(static local-path-provisioner "$local_path")
cp /bin/busybox "$work/busybox"
ref[local-path-helper]=$(build local-path-helper "FROM scratch
COPY skel/ /
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"ln\", \"-s\", \"busybox\", \"/bin/sh\"]
RUN [\"/bin/busybox\", \"ln\", \"-s\", \"busybox\", \"/bin/mkdir\"]
RUN [\"/bin/busybox\", \"ln\", \"-s\", \"busybox\", \"/bin/rm\"]
ENV PATH=/bin" "$work/busybox")

phase "Kubernetes release tarball for kind"
bin=$work/kubernetes/server/bin
mkdir -p "$bin"
printf '%s\n' "$K8S_VERSION" >"$work/kubernetes/version"
cp "$k8s/kubeadm" "$k8s/kubelet" "$k8s/kubectl" "$bin/"
# archive OUT LOCAL=TARGET...: docker save of the local images, renamed to their targets; the
# `repositories` entry goes first, where kind's builder reads every name from.
archive() {
  local out=$1
  shift
  local locals=() pair
  for pair in "$@"; do locals+=("${pair%%=*}"); done
  docker save "${locals[@]}" >"$work/save.tar"
  python3 "$here/images/rename-archive.py" "$work/save.tar" "$out" "$@"
  rm -f "$work/save.tar"
}
archive "$bin/kube-apiserver.tar" \
  "${ref[kube-apiserver]}=registry.k8s.io/kube-apiserver:$K8S_VERSION" \
  "${ref[etcd]}=$ETCD_IMAGE" "${ref[coredns]}=$COREDNS_IMAGE" "${ref[pause]}=$PAUSE_IMAGE" \
  "${ref[kindnetd]}=$KINDNETD_IMAGE" "${ref[local-path-provisioner]}=$LOCAL_PATH_IMAGE" \
  "${ref[local-path-helper]}=$LOCAL_PATH_HELPER_IMAGE"
for c in kube-controller-manager kube-scheduler kube-proxy; do
  archive "$bin/$c.tar" "${ref[$c]}=registry.k8s.io/$c:$K8S_VERSION"
done
tar -C "$work" -c kubernetes | nice -n 10 gzip -1 >"$work/kubernetes-server-linux-amd64.tar.gz"
rm -rf "$work/kubernetes"

phase "kind build node-image ($KIND_VERSION)"
candidate=local/kind-node:$K8S_VERSION-$stamp-unverified
nice -n 10 "$kind" build node-image --type file --base-image "$base" --image "$candidate" \
  "$work/kubernetes-server-linux-amd64.tar.gz" >&2

phase "checking the node image holds every image it needs"
if ! bash "$here/check-node-image.sh" "$candidate" >&2; then
  echo "node-image.sh: $candidate lacks images it needs (above); not tagged $image" >&2
  exit 1
fi
docker tag "$candidate" "$image"
docker rmi "$candidate" >/dev/null
# The parts live on in the node image, and so does the base; earlier node images are kept (a
# cluster may run on one).
for ref in "${ref[@]}"; do docker rmi "$ref" >/dev/null; done
docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^local/kind-(base|tools):' | grep -vxF -e "$base" -e "$tools" |
  xargs -r docker rmi >/dev/null 2>&1 || true
phase "built $image"
echo "$image"
