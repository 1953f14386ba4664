#!/usr/bin/env bash
# Builds, with the Docker harness (tools/docker/ensure.sh first), the images the single-node
# cluster needs besides Engram itself, since no registry can be reached:
#
#   localhost/pause:3.10.1              the pod sandbox: Kubernetes' own pause.c, static
#   localhost/engram-test-client:trixie sh and curl for the chart's `helm test` pod: Debian
#                                       trixie's curl with its libraries, busybox for sh,
#                                       grep and date, on the local runtime base
#
#   tools/kube/images.sh          idempotent: an image whose recipe label matches is reused
#
# The names are printed on stdout, one a line; cluster.sh imports them into its containerd.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../docker/lib.sh
source "$here/../docker/lib.sh"
export LOG_TAG=kube-images

PAUSE_IMAGE=localhost/pause:3.10.1
PAUSE_VERSION=v1.35.4
CLIENT_IMAGE=localhost/engram-test-client:trixie
CLIENT_PACKAGES=(curl busybox-static)
# What the test hook runs besides curl; busybox provides them.
CLIENT_APPLETS=(sh grep sed awk date cat echo sleep test)
RUNTIME_BASE=localhost/engram-runtime-base:trixie
SUITE=trixie

require_root
# pause.c is compiled here, statically.
if ! command -v gcc >/dev/null || [[ ! -f /usr/lib/x86_64-linux-gnu/libc.a && ! -f /usr/lib/$(gcc -dumpmachine)/libc.a ]]; then
  log "installing gcc and libc6-dev from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends gcc libc6-dev binutils >&2
fi
docker image inspect "$RUNTIME_BASE" >/dev/null 2>&1 || die "$RUNTIME_BASE is missing: run tools/docker/ensure.sh first"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

recipe_of() {
  local part
  for part in "$@"; do
    if declare -F "$part" >/dev/null; then declare -f "$part"; else printf '%s\n' "$part"; fi
  done | sha256sum | cut -c1-16
}
current() { [[ $(docker image inspect -f '{{index .Config.Labels "engram.deploy.recipe"}}' "$1" 2>/dev/null || true) == "$2" ]]; }

# The pause source ships in the k8s.io/kubernetes module that tools/kube/build.sh already
# downloads; fetching it again costs nothing once the module is cached.
build_pause() {
  local go_bin src dir
  go_bin=$(command -v go || printf '/usr/local/go/bin/go')
  dir=$("$go_bin" mod download -json "k8s.io/kubernetes@$PAUSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  src=$dir/build/pause/linux/pause.c
  [[ -f $src ]] || die "no pause.c in k8s.io/kubernetes@$PAUSE_VERSION"
  mkdir -p "$work/pause"
  # Static, as upstream builds it: the image holds nothing but this file.
  gcc -Os -Wall -Werror -static -DVERSION="${PAUSE_IMAGE##*:}-engram" -o "$work/pause/pause" "$src"
  strip "$work/pause/pause"
  cat >"$work/pause/Dockerfile" <<DOCKERFILE
FROM scratch
COPY pause /pause
LABEL engram.deploy.recipe="$1"
USER 65535:65535
ENTRYPOINT ["/pause"]
DOCKERFILE
  run_logged "$ENGRAM_DEPLOY_CACHE/logs/build-pause-image.log" docker buildx build --load --tag "$PAUSE_IMAGE" "$work/pause"
}

build_client() {
  local dir=$ENGRAM_DEPLOY_CACHE/apt-$SUITE deb applet
  apt_suite_update "$SUITE"
  rm -f "$dir"/cache/archives/*.deb
  run_logged "$ENGRAM_DEPLOY_CACHE/logs/apt-kube-$SUITE-download.log" \
    apt_suite "$SUITE" install -y --download-only --no-install-recommends "${CLIENT_PACKAGES[@]}"
  mkdir -p "$work/client/rootfs"
  for deb in "$dir"/cache/archives/*.deb; do
    dpkg-deb -x "$deb" "$work/client/rootfs"
  done
  # The runtime base owns these (merged-/usr links, passwd, certificates): keep its copies.
  rm -rf "$work/client/rootfs"/{bin,sbin,lib,lib64,etc/passwd,etc/group} "$work/client/rootfs/usr/share"/{doc,man,info}
  for applet in "${CLIENT_APPLETS[@]}"; do
    [[ -e $work/client/rootfs/usr/bin/$applet ]] || ln -s busybox "$work/client/rootfs/usr/bin/$applet"
  done
  cat >"$work/client/Dockerfile" <<DOCKERFILE
FROM $RUNTIME_BASE
COPY rootfs/ /
LABEL engram.deploy.recipe="$1"
USER 65534:65534
ENTRYPOINT ["/usr/bin/sh"]
DOCKERFILE
  run_logged "$ENGRAM_DEPLOY_CACHE/logs/build-test-client-image.log" docker buildx build --load --tag "$CLIENT_IMAGE" "$work/client"
  # The hook's own commands, in the image, as the hook runs them: no shell or library missing.
  docker run --rm --network none --read-only --user 65534:65534 "$CLIENT_IMAGE" -ec \
    'curl --version >/dev/null && echo marker | grep -q marker && date +%s >/dev/null' ||
    die "$CLIENT_IMAGE cannot run the test hook's commands"
}

ensure() {
  local image=$1 builder=$2 recipe previous started
  shift 2
  recipe=$(recipe_of "$builder" "$@")
  if current "$image" "$recipe"; then
    report reused "$image"
  else
    started=$(now)
    previous=$(image_id "$image")
    "$builder" "$recipe"
    drop_replaced_image "$previous"
    report built "$image" "($(since "$started"))"
  fi
  printf '%s\n' "$image"
}

ensure "$PAUSE_IMAGE" build_pause "$PAUSE_VERSION" "$PAUSE_IMAGE"
ensure "$CLIENT_IMAGE" build_client apt_suite apt_suite_update "${CLIENT_PACKAGES[*]}" "${CLIENT_APPLETS[*]}" "$RUNTIME_BASE"
