#!/usr/bin/env bash
# Builds the two local base images that Engram's Dockerfile is built and tested with here,
# from Debian trixie packages, because no container registry can be reached:
#
#   localhost/engram-rust-builder:trixie  like the official rust:*-slim-trixie: rustc and
#                                         cargo (trixie-backports), gcc, libc6-dev and CA
#                                         certificates, and nothing of Engram's own build
#                                         dependencies, so the Dockerfile's package step is
#                                         what installs them
#   localhost/engram-runtime-base:trixie  distroless-like: the libraries of distroless
#                                         `cc`, certificates, tzdata, users; no shell
#
#   tools/docker/build-base-images.sh        reuse an image whose recipe is unchanged
#   FORCE=1 tools/docker/build-base-images.sh  rebuild both
#
# Needs the engine and debootstrap from install-engine.sh. Packages come from the Debian
# mirror in this machine's apt sources (see debian_mirror in lib.sh).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

LOG_TAG=build-base-images
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITE=trixie
BUILDER_IMAGE=localhost/engram-rust-builder:$SUITE
RUNTIME_IMAGE=localhost/engram-runtime-base:$SUITE
# What the official slim Rust image carries. Engram needs Rust 1.88 or newer: trixie has
# 1.85, trixie-backports a current release.
BUILDER_PACKAGES=(gcc libc6-dev ca-certificates)
BUILDER_BACKPORTS_PACKAGES=(rustc cargo)
# What distroless `cc` carries, in trixie's package names, and the libraries those need.
RUNTIME_PACKAGES=(base-files netbase tzdata ca-certificates libc6 libgcc-s1 gcc-14-base libstdc++6 libgomp1
  libssl3t64 openssl-provider-legacy zlib1g libzstd1)
# Dependencies the runtime goes without on purpose: they serve maintainer scripts and
# command-line tools, which a shell-less image never runs.
RUNTIME_UNMET_OK=(awk debconf debconf-2.0 openssl)
# Build-time-only tools that must never reach the runtime image.
FORBIDDEN_NAMES=(sh bash dash busybox ls cat cp mv rm chmod chown env dpkg dpkg-deb apt apt-get su sudo login)

CACHE=$ENGRAM_DEPLOY_CACHE
FORCE=${FORCE:-0}
RECIPE_LABEL=engram.deploy.recipe
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Scratch space for this run (root file systems, downloads), removed however it ends.
RUN_TMP=

# remove_tree DIR: a failed chroot step can leave /proc mounted inside a root file
# system; unmount it first and never delete across file systems.
remove_tree() {
  [[ -n $1 && -d $1 ]] || return 0
  local mnt
  for mnt in "$1"/*/rootfs/proc "$1"/rootfs/proc; do
    if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt" || umount -l "$mnt" || true; fi
  done
  rm -rf --one-file-system "$1"
}
trap 'remove_tree "$RUN_TMP"' EXIT

image_recipe() { docker image inspect -f "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true; }

# recipe_hash PART... : a hash of what shapes an image (function names stand for their
# source, anything else for itself), so an image is rebuilt exactly when its recipe changes.
recipe_hash() {
  local part
  for part in "$SUITE" "$@"; do
    if declare -F "$part" >/dev/null; then declare -f "$part"; else printf '%s\n' "$part"; fi
  done | sha256sum | cut -c1-16
}

# image_is_current IMAGE RECIPE: true when the image exists, carries RECIPE and no
# rebuild was forced.
image_is_current() {
  [[ $FORCE != 1 && $(image_recipe "$1") == "$2" ]]
}

image_size() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'; }

# The trixie Release file is signed with keys that bookworm's debian-archive-keyring
# carries from 2023.3+deb12u2 on. Older keyrings are updated from the host's own apt
# sources; skipping the signature check is a last resort that has to be asked for.
check_keyring() {
  if [[ -f /usr/share/keyrings/debian-archive-$SUITE-stable.gpg ]]; then
    return
  fi
  log "the Debian keyring lacks the $SUITE key: updating debian-archive-keyring"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y debian-archive-keyring >/dev/null || true
  if [[ -f /usr/share/keyrings/debian-archive-$SUITE-stable.gpg ]]; then
    return
  fi
  if [[ ${ENGRAM_DEBOOTSTRAP_NO_CHECK_GPG:-0} == 1 ]]; then
    log "warning: building without checking the $SUITE signatures (ENGRAM_DEBOOTSTRAP_NO_CHECK_GPG=1)"
    return
  fi
  die "no $SUITE signing key in $KEYRING; install a newer debian-archive-keyring, or set ENGRAM_DEBOOTSTRAP_NO_CHECK_GPG=1 to skip the check"
}

gpg_args() {
  if [[ -f /usr/share/keyrings/debian-archive-$SUITE-stable.gpg ]]; then
    printf '%s\n' "--keyring=$KEYRING"
  else
    printf '%s\n' --no-check-gpg
  fi
}

# The apt sources baked into the builder image: the mirror this machine uses, for trixie,
# its updates and its security archive.
write_builder_sources() {
  local root=$1 mirror=$2 security=$3
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates %s-backports\nComponents: main\nSigned-By: %s\n' \
      "$mirror" "$SUITE" "$SUITE" "$SUITE" "$KEYRING"
    if [[ -n $security ]]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
        "$security" "$SUITE" "$KEYRING"
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
}

in_chroot() {
  chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "${@:2}"
}

# Trims what a build image never needs (package indexes, caches, logs, manuals) but keeps
# every package's copyright file.
trim_rootfs() {
  local root=$1
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
    "$root"/var/lib/dpkg/*-old "$root"/var/cache/ldconfig/aux-cache "$root"/var/log/* \
    "$root"/tmp/* "$root"/var/tmp/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/lintian "$root"/usr/share/linda "$root"/root/.cache
  if [[ -d $root/usr/share/doc ]]; then
    find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  fi
}

build_builder_rootfs() {
  local root=$1 mirror=$2 security=$3 gpg
  gpg=$(gpg_args)
  mkdir -p "$CACHE/debootstrap-debs"
  log "debootstrap $SUITE from $mirror (log: $CACHE/logs/debootstrap-$SUITE.log)"
  # --cache-dir keeps the downloaded packages, so a rebuild after a recipe change does
  # not fetch them again.
  run_logged "$CACHE/logs/debootstrap-$SUITE.log" debootstrap --variant=minbase \
    --cache-dir="$CACHE/debootstrap-debs" "$gpg" "$SUITE" "$root" "$mirror"

  # The packages go in with apt inside the new tree rather than debootstrap's --include:
  # debootstrap installs from the release only, while apt also takes trixie's updates,
  # security fixes and backports.
  # The chroot shares the host's network, so it only needs the host's resolver.
  write_builder_sources "$root" "$mirror" "$security"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  mount -t proc proc "$root/proc"
  log "installing ${BUILDER_PACKAGES[*]} ${BUILDER_BACKPORTS_PACKAGES[*]} (log: $CACHE/logs/builder-apt.log)"
  # shellcheck disable=SC2016 # the script is the chroot shell's: it expands its own arguments
  run_logged "$CACHE/logs/builder-apt.log" in_chroot "$root" sh -c '
    backports=$1
    shift
    apt-get -q update &&
    apt-get -q -y upgrade &&
    apt-get -q -y --no-install-recommends install "$@" &&
    apt-get -q -y --no-install-recommends -t "$0" install $backports &&
    apt-get -q clean' "$SUITE-backports" "${BUILDER_BACKPORTS_PACKAGES[*]}" "${BUILDER_PACKAGES[@]}"
  umount "$root/proc"
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"

  # Like the official Rust images: cargo's home (registry cache, installed tools) at
  # /usr/local/cargo, a path Dockerfiles can cache-mount.
  mkdir -p "$root/usr/local/cargo"
  trim_rootfs "$root"
}

ensure_builder_image() {
  local recipe
  recipe=$(recipe_hash "${BUILDER_PACKAGES[*]}" "${BUILDER_BACKPORTS_PACKAGES[*]}" ensure_builder_image build_builder_rootfs \
    write_builder_sources trim_rootfs)
  if image_is_current "$BUILDER_IMAGE" "$recipe"; then
    report reused "$BUILDER_IMAGE" "$(image_size "$BUILDER_IMAGE")"
    return
  fi
  local start mirror security rust old
  start=$(now)
  old=$(image_id "$BUILDER_IMAGE")
  mirror=$(debian_mirror archive) || die "no Debian archive URI in /etc/apt/sources*; set ENGRAM_DEBIAN_MIRROR"
  security=$(debian_mirror security || true)
  check_keyring
  local work=$RUN_TMP/builder
  mkdir -p "$work"
  build_builder_rootfs "$work/rootfs" "$mirror" "$security"
  rust=$(in_chroot "$work/rootfs" rustc --version | awk '{ print $2 }')
  log "importing $BUILDER_IMAGE (rustc $rust)"
  tar --numeric-owner --xattrs -C "$work/rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
    docker import \
      --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV CARGO_HOME=/usr/local/cargo' \
      --change 'ENV LANG=C.UTF-8' \
      --change "LABEL org.opencontainers.image.title=engram-rust-builder org.opencontainers.image.description=\"Debian $SUITE with rustc, cargo and Engram's native build dependencies\" org.opencontainers.image.version=$rust $RECIPE_LABEL=$recipe" \
      --change 'CMD ["bash"]' \
      - "$BUILDER_IMAGE" >/dev/null
  remove_tree "$work"
  drop_replaced_image "$old"
  report built "$BUILDER_IMAGE" "rustc $rust, $(image_size "$BUILDER_IMAGE") ($(since "$start"))"
}

download_runtime_debs() {
  local dest=$1
  apt_suite_update "$SUITE"
  mkdir -p "$dest"
  (cd "$dest" && run_logged "$CACHE/logs/apt-$SUITE-download.log" apt_suite "$SUITE" download "${RUNTIME_PACKAGES[@]}")
}

# Every Depends of the runtime packages must be met inside the set (but for the few
# that only serve maintainer scripts), or a library would fail to load at run time.
check_runtime_dependencies() {
  local debs=$1 deb dep alt ok unmet=()
  local -A have=()
  for deb in "$debs"/*.deb; do have[$(dpkg-deb -f "$deb" Package)]=1; done
  for dep in "${RUNTIME_UNMET_OK[@]}"; do have[$dep]=1; done
  for deb in "$debs"/*.deb; do
    while IFS= read -r dep; do
      [[ -n $dep ]] || continue
      ok=0
      while IFS= read -r alt; do
        alt=${alt%% *}
        alt=${alt%%:*}
        [[ -n ${have[$alt]:-} ]] && ok=1
      done < <(tr '|' '\n' <<<"$dep" | sed 's/^ *//')
      ((ok)) || unmet+=("$(dpkg-deb -f "$deb" Package): $dep")
    done < <(dpkg-deb -f "$deb" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //' | tr ',' '\n' | sed 's/^ *//')
  done
  if ((${#unmet[@]})); then
    printf '  %s\n' "${unmet[@]}" >&2
    die "runtime packages with unmet dependencies: add them to RUNTIME_PACKAGES"
  fi
}

# Distroless keeps one dpkg status record per package in /var/lib/dpkg/status.d/ (with
# its md5sums), so image scanners see exactly what is inside.
write_status_record() {
  local deb=$1 root=$2 pkg
  pkg=$(dpkg-deb -f "$deb" Package)
  {
    printf 'Package: %s\nStatus: install ok installed\n' "$pkg"
    dpkg-deb -f "$deb" | grep -v '^Package:'
  } >"$root/var/lib/dpkg/status.d/$pkg"
  if dpkg-deb --ctrl-tarfile "$deb" | tar -t 2>/dev/null | grep -qx './md5sums'; then
    dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./md5sums >"$root/var/lib/dpkg/status.d/$pkg.md5sums"
  fi
}

build_runtime_rootfs() {
  local root=$1 debs=$2 deb
  mkdir -p "$root"
  # base-files first: it provides the merged-/usr symlinks (/bin -> usr/bin, ...).
  dpkg-deb -x "$(find "$debs" -name 'base-files_*.deb' -print -quit)" "$root"
  mkdir -p "$root/var/lib/dpkg/status.d"
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$root"
    write_status_record "$deb" "$root"
  done

  # The packages' scripts and tools need a shell or run only at install time.
  rm -rf "$root/etc/update-motd.d" "$root/usr/sbin/update-ca-certificates" \
    "$root/usr/share/gdb" "$root/usr/share/gcc" "$root/usr/share/lintian" "$root/usr/share/man"
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete

  # The CA bundle that ca-certificates' postinst would generate.
  mkdir -p "$root/etc/ssl/certs"
  find "$root/usr/share/ca-certificates" -name '*.crt' -print0 | LC_ALL=C sort -z |
    xargs -0 cat >"$root/etc/ssl/certs/ca-certificates.crt"

  # What tzdata's postinst would configure.
  ln -sfn /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
  printf 'Etc/UTC\n' >"$root/etc/timezone"

  # Users as in distroless: root, nobody and nonroot (65532), none with a login shell.
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
staff:x:50:
nogroup:x:65534:
nonroot:x:65532:
EOF
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' \
    >"$root/etc/nsswitch.conf"
  chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"

  install -d -m 0700 "$root/root"
  install -d -m 0700 -o 65532 -g 65532 "$root/home/nonroot"
  install -d -m 1777 "$root/tmp"
  install -d -m 1777 "$root/var/tmp"
}

# check_runtime_rootfs ROOT: the no-shell promise, checked on the tree that is imported.
check_runtime_rootfs() {
  local root=$1 name found
  found=$(find "$root" -xdev -type f -perm /6000 -printf '/%P\n')
  [[ -z $found ]] || die "setuid/setgid files in the runtime image: $found"
  for name in "${FORBIDDEN_NAMES[@]}"; do
    found=$(find "$root" -xdev -name "$name" ! -type d -printf '/%P\n' || true)
    [[ -z $found ]] || die "the runtime image must not contain $name: $found"
  done
  found=$(find "$root/usr/bin" "$root/usr/sbin" -mindepth 1 2>/dev/null | sed "s|^$root||" || true)
  [[ -z $found ]] || die "the runtime image must carry no programs: $found"
}

# verify_runtime_image: in the image itself, no /bin/sh; and a Rust program and a C
# program that uses OpenSSL, built in the builder image, run as nonroot in the runtime
# image with a read-only root and no network, as Engram will.
verify_runtime_image() {
  local start work out
  start=$(now)
  if docker run --rm --network none "$RUNTIME_IMAGE" /bin/sh -c true >/dev/null 2>&1; then
    die "$RUNTIME_IMAGE runs /bin/sh"
  fi
  work=$RUN_TMP/runtime-check
  mkdir -p "$work"
  cat >"$work/Dockerfile" <<EOF
FROM $BUILDER_IMAGE AS build
WORKDIR /src
RUN printf 'fn main() { let v: Vec<String> = std::env::args().skip(1).collect(); println!("rust-ok {}", v.join(" ")); }\n' >main.rs \\
 && rustc -O -o /src/rust-check main.rs
# The builder carries no OpenSSL headers, as the official slim image does not.
RUN apt-get -q update && apt-get -q -y --no-install-recommends install libssl-dev
RUN printf '#include <openssl/ssl.h>\n#include <stdio.h>\nint main(void) { SSL_CTX *c = SSL_CTX_new(TLS_client_method()); printf("openssl-ok %%s %%d\\\\n", OpenSSL_version(OPENSSL_VERSION), c != NULL); return c == NULL; }\n' >tls.c \\
 && gcc -O2 -o /src/tls-check tls.c -lssl -lcrypto

FROM $RUNTIME_IMAGE
COPY --from=build /src/rust-check /src/tls-check /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/rust-check"]
EOF
  if ! out=$(DOCKER_BUILDKIT=1 docker build --progress=plain -t localhost/engram-runtime-base-check:"$SUITE" "$work" 2>&1); then
    printf '%s\n' "$out" | tail -n 30 >&2
    die "could not build the runtime check image"
  fi
  out=$(docker run --rm --network none --read-only localhost/engram-runtime-base-check:"$SUITE" from-runtime 2>&1) ||
    die "a Rust binary does not run in $RUNTIME_IMAGE: $out"
  [[ $out == "rust-ok from-runtime" ]] || die "unexpected output from the Rust check: $out"
  out=$(docker run --rm --network none --read-only --entrypoint /usr/local/bin/tls-check \
    localhost/engram-runtime-base-check:"$SUITE" 2>&1) || die "an OpenSSL binary does not run in $RUNTIME_IMAGE: $out"
  [[ $out == openssl-ok*1 ]] || die "unexpected output from the OpenSSL check: $out"
  docker image rm localhost/engram-runtime-base-check:"$SUITE" >/dev/null 2>&1 || true
  rm -rf "$work"
  report checked "$RUNTIME_IMAGE" "no shell; Rust and OpenSSL binaries run as 65532 (${out%% 1}) ($(since "$start"))"
}

ensure_runtime_image() {
  local recipe
  recipe=$(recipe_hash "${RUNTIME_PACKAGES[*]}" "${RUNTIME_UNMET_OK[*]}" "${FORBIDDEN_NAMES[*]}" \
    ensure_runtime_image download_runtime_debs apt_suite apt_suite_update check_runtime_dependencies write_status_record \
    build_runtime_rootfs check_runtime_rootfs)
  if image_is_current "$RUNTIME_IMAGE" "$recipe"; then
    report reused "$RUNTIME_IMAGE" "$(image_size "$RUNTIME_IMAGE")"
    return
  fi
  local start mirror security old
  start=$(now)
  old=$(image_id "$RUNTIME_IMAGE")
  mirror=$(debian_mirror archive) || die "no Debian archive URI in /etc/apt/sources*; set ENGRAM_DEBIAN_MIRROR"
  security=$(debian_mirror security || true)
  check_keyring
  local work=$RUN_TMP/runtime
  mkdir -p "$work"
  download_runtime_debs "$work/debs"
  check_runtime_dependencies "$work/debs"
  build_runtime_rootfs "$work/rootfs" "$work/debs"
  check_runtime_rootfs "$work/rootfs"
  local versions
  versions=$(for deb in "$work"/debs/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done |
    awk '{ sub(/^Package: /, ""); sub(/ Version: /, "="); print }' | paste -sd' ')
  log "importing $RUNTIME_IMAGE: $versions"
  tar --numeric-owner -C "$work/rootfs" -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
      --change "LABEL org.opencontainers.image.title=engram-runtime-base org.opencontainers.image.description=\"Distroless-like Debian $SUITE runtime: glibc, libgcc, libstdc++, libgomp, OpenSSL, CA certificates, tzdata; no shell\" $RECIPE_LABEL=$recipe" \
      - "$RUNTIME_IMAGE" >/dev/null
  remove_tree "$work"
  drop_replaced_image "$old"
  verify_runtime_image
  report built "$RUNTIME_IMAGE" "$(image_size "$RUNTIME_IMAGE") ($(since "$start"))"
}

main() {
  require_root
  command -v debootstrap >/dev/null || die "debootstrap is missing: run tools/docker/install-engine.sh first"
  docker info >/dev/null 2>&1 || die "the Docker engine does not answer: run tools/docker/install-engine.sh first"
  mkdir -p "$CACHE/logs" "$CACHE/tmp"
  RUN_TMP=$(mktemp -d "$CACHE/tmp/build-base-images.XXXXXX")
  ensure_builder_image
  ensure_runtime_image
}

main "$@"
