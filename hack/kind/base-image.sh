#!/usr/bin/env bash
# The base image for `kind build node-image --base-image`: what kind's images/base/Dockerfile
# makes (Debian slim + systemd, containerd, runc, CNI plugins, crictl and kind's own files), made
# here from Debian bookworm packages with mmdebstrap, because no registry serves kindest/base.
# kind's files (entrypoint, containerd config, kubelet units, hooks) are read from kind's Go
# module at KIND_VERSION, not copied into this repository. Where kind builds containerd, runc,
# crictl and the CNI plugins from source, this takes containerd (build-containerd.sh) and crictl
# from their Go modules (Debian 12's containerd is 1.6, and it has no cri-tools package), and
# Debian's runc 1.1 and CNI plugins 1.1.
# Cached: the tag carries a hash of its inputs. Prints the image reference.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
KIND_VERSION=${KIND_VERSION:-v0.32.0}
CRICTL_VERSION=${CRICTL_VERSION:-v1.34.0}
SUITE=bookworm
cache=${IN_CLUSTER_TEST_CACHE:-/var/cache/in-cluster-test}
# kind's package list (images/base/Dockerfile) without nfs-common and open-iscsi (only Kubernetes'
# storage e2e tests use them), plus the runtime kind builds from source.
packages=(
  systemd
  conntrack iptables nftables iproute2 ethtool util-linux mount kmod
  libseccomp2 pigz fuse-overlayfs
  e2fsprogs
  bash ca-certificates curl jq procps
  runc containernetworking-plugins
)

crictl=$(bash "$here/go-install.sh" crictl sigs.k8s.io/cri-tools/cmd/crictl "$CRICTL_VERSION" \
  "-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" | tail -1)
containerd=$(bash "$here/build-containerd.sh" | tail -1)
stamp=$(cat "$0" "$crictl" "$containerd"/* <(echo "$KIND_VERSION ${packages[*]}") | sha256sum | cut -c1-12)
image=local/kind-base:$SUITE-$stamp
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

build_rootfs() { # OUT: the root file system, as a tarball
  kind_src=$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir)
  files=$kind_src/images/base/files
  [ -f "$files/usr/local/bin/entrypoint" ] || {
    echo "base-image.sh: no images/base/files/usr/local/bin/entrypoint in $kind_src" >&2
    exit 1
  }
  command -v mmdebstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }

  work=$(mktemp -d /var/tmp/kind-base.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  root=$work/root
  echo "base-image.sh: mmdebstrap $SUITE (${#packages[@]} packages)" >&2
  # Like kind's clean-install: no recommends (mmdebstrap's default), no docs or man pages.
  nice -n 10 mmdebstrap --quiet --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --include="$(
      IFS=,
      echo "${packages[*]}"
    )" "$SUITE" "$root" >&2

  # kind's files, with the modes its Dockerfile gives them: scripts 0755, the rest 0644.
  install -D -m 0755 -t "$root/usr/local/bin" "$files"/usr/local/bin/*
  mkdir -p "$root/kind/bin" "$root/LICENSES"
  install -m 0644 -t "$root/kind" "$files"/kind/*.txt
  install -m 0755 -t "$root/kind/bin" "$files"/kind/bin/*
  install -m 0644 -t "$root/LICENSES" "$files"/LICENSES/*
  install -m 0644 -t "$root/etc" "$files"/etc/*.yaml
  for d in containerd default sysctl.d systemd/system systemd/system/kubelet.service.d; do
    install -d "$root/etc/$d"
    find "$files/etc/$d" -maxdepth 1 -type f -exec install -m 0644 -t "$root/etc/$d" {} +
  done
  install -m 0755 "$crictl" "$containerd"/* "$root/usr/local/bin/"

  # Where kind's files expect the CNI plugins it builds from source: /opt/cni/bin (containerd's
  # default bin_dir; kindnet's conflist names ptp, host-local, portmap).
  mkdir -p "$root/opt/cni"
  ln -s /usr/lib/cni "$root/opt/cni/bin"

  # The rest of kind's Dockerfile, step by step.
  find "$root/lib/systemd/system/sysinit.target.wants/" -name "systemd-tmpfiles-setup.service" -delete
  rm -f "$root"/lib/systemd/system/multi-user.target.wants/* "$root"/etc/systemd/system/*.wants/* \
    "$root"/lib/systemd/system/local-fs.target.wants/* "$root"/lib/systemd/system/sockets.target.wants/*udev* \
    "$root"/lib/systemd/system/sockets.target.wants/*initctl* "$root"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >>"$root/etc/systemd/journald.conf"
  ln -sf /usr/lib/systemd/systemd "$root/sbin/init"
  chroot "$root" systemctl enable kubelet.service containerd.service undo-mount-hacks.service >&2
  chroot "$root" systemctl mask systemd-binfmt.service >&2
  mkdir -p "$root/etc/kubernetes/manifests"
  chroot "$root" /usr/local/bin/ctr oci spec |
    jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
    jq 'del(.process.rlimits)' >"$root/etc/containerd/cri-base.json"
  chroot "$root" /usr/local/bin/containerd --version >&2
  chroot "$root" runc --version | head -1 >&2
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/* "$root"/tmp/* "$root"/var/tmp/*
  # The image's machine-id is regenerated by kind's entrypoint at every start.
  : >"$root/etc/machine-id"

  mkdir -p "$(dirname "$1")"
  tar -C "$root" --numeric-owner --xattrs -cf "$1" .
}

started=$SECONDS
# The root file system is kept as a tarball too, so that a new engine (or a pruned one) imports it
# in seconds instead of running mmdebstrap again.
rootfs=$cache/kind-base/$SUITE-$stamp.tar
if [ ! -f "$rootfs" ]; then
  build_rootfs "$rootfs.tmp"
  mv "$rootfs.tmp" "$rootfs"
  find "$(dirname "$rootfs")" -maxdepth 1 -name "$SUITE-*.tar" ! -name "$(basename "$rootfs")" -delete
fi
# The image settings of kind's Dockerfile (`docker import --change` takes no STOPSIGNAL).
docker import "$rootfs" "$image-rootfs" >/dev/null
printf '%s\n' "FROM $image-rootfs" 'ENV container=docker' 'STOPSIGNAL SIGRTMIN+3' \
  'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' |
  docker build -q -t "$image" - >/dev/null
docker rmi "$image-rootfs" >/dev/null
echo "base-image.sh: built $image in $((SECONDS - started))s" >&2
echo "$image"
