#!/usr/bin/env bash
# Builds localhost/engram-systemd-host:trixie: a Debian trixie tree booted by systemd as PID 1
# in a container, the "host" the end-to-end test installs Engram on with
# deployments/systemd/install.sh. Debian trixie because the real Engram binary is built on
# trixie (its glibc, libhwloc15, libudev1).
#
#   tools/systemd/build-host-image.sh          reuse an image whose recipe is unchanged
#   FORCE=1 tools/systemd/build-host-image.sh  rebuild
#
# Packages come from the Debian mirror in this machine's apt sources (debian_mirror in
# tools/docker/lib.sh). Running it: see tools/e2e/support/systemd-host.ts (cgroup notes there).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

LOG_TAG=build-systemd-host
# shellcheck source=../docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../docker/lib.sh"

SUITE=trixie
IMAGE=localhost/engram-systemd-host:$SUITE
# systemd as PID 1 and its tools; curl for the health checks; sudo and iproute2 (ss), which the
# operator guide's bare-metal commands use; the libraries Engram links.
PACKAGES=(systemd systemd-sysv curl ca-certificates sudo iproute2 libhwloc15 libudev1)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
RECIPE_LABEL=engram.deploy.recipe
FORCE=${FORCE:-0}
CACHE=$ENGRAM_DEPLOY_CACHE

require_root
command -v debootstrap >/dev/null || die "needs debootstrap (apt-get install debootstrap)"
recipe=$({
  printf '%s\n' "$SUITE" "${PACKAGES[*]}"
  cat "${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)
if [[ $FORCE != 1 && $(docker image inspect -f "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$IMAGE" 2>/dev/null || true) == "$recipe" ]]; then
  report reused "$IMAGE" ""
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/engram-systemd-host.XXXXXX")
root=$work/rootfs
cleanup() {
  if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || umount -l "$root/proc" || true; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

mirror=$(debian_mirror archive) || die "no Debian archive URI in /etc/apt/sources*; set ENGRAM_DEBIAN_MIRROR"
gpg=--no-check-gpg
[[ -f /usr/share/keyrings/debian-archive-$SUITE-stable.gpg ]] && gpg=--keyring=$KEYRING
mkdir -p "$CACHE/debootstrap-debs" "$CACHE/logs"
log "debootstrap $SUITE from $mirror (log: $CACHE/logs/systemd-host-debootstrap.log)"
run_logged "$CACHE/logs/systemd-host-debootstrap.log" debootstrap --variant=minbase \
  --cache-dir="$CACHE/debootstrap-debs" "$gpg" "$SUITE" "$root" "$mirror"

cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
log "installing ${PACKAGES[*]} (log: $CACHE/logs/systemd-host-apt.log)"
run_logged "$CACHE/logs/systemd-host-apt.log" chroot "$root" /usr/bin/env -i \
  PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
  sh -c 'apt-get -q update && apt-get -q -y --no-install-recommends install "$@" && apt-get -q clean' apt "${PACKAGES[@]}"
umount "$root/proc"
rm -f "$root/etc/resolv.conf" "$root/etc/hostname" "$root/etc/machine-id"
: >"$root/etc/machine-id"
# A container has no consoles, no hardware clock and no udev to settle: keep the boot to what
# the test needs.
for unit in getty.target console-getty.service systemd-udevd.service systemd-udev-trigger.service \
  systemd-udev-settle.service systemd-timesyncd.service systemd-networkd.service \
  systemd-resolved.service apt-daily.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/man/* "$root"/usr/share/doc/*

log "importing $IMAGE"
tar --numeric-owner --xattrs -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
  docker import \
    --change 'ENV container=docker' \
    --change "LABEL org.opencontainers.image.title=engram-systemd-host $RECIPE_LABEL=$recipe" \
    --change 'CMD ["/lib/systemd/systemd"]' \
    - "$IMAGE" >/dev/null
# shellcheck disable=SC2016 # ${Version} is dpkg-query's format, not the shell's
report built "$IMAGE" "systemd $(chroot "$root" dpkg-query -W -f '${Version}' systemd 2>/dev/null || echo '?')"
