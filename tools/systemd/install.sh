#!/usr/bin/env bash
# Installs the tools that check @engram/systemd's output into a cache outside the work tree,
# from Debian's own packages (apt-get download + dpkg-deb -x: nothing is installed on the host):
#   systemd-analyze (verify, security --offline), systemd-sysusers, systemd-tmpfiles  <- systemd
# and, as references for `systemd-analyze security`, the units Debian ships for two databases:
#   redis-server.service <- redis-server, postgresql@.service <- postgresql-common
# Idempotent: a complete install is reused as it is.
#
#   tools/systemd/install.sh     prints the directory of the wrappers (bin/) on stdout
#
# Layout: ${ENGRAM_DEPLOY_CACHE:-~/.cache/engram-deploy}/systemd/
#   debs/      the downloaded packages
#   root/      their contents (root/lib/systemd/system holds the reference units and the targets
#              `systemd-analyze verify --root` needs)
#   bin/       wrappers that run the extracted binaries against the extracted libsystemd-shared
#   versions   package=version of what is installed (written last: its presence marks a complete install)
set -euo pipefail

packages=(systemd libsystemd-shared redis-server postgresql-common)
cache_root=${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}
prefix=$cache_root/systemd
bin=$prefix/bin

if [[ -f $prefix/versions ]] && [[ $(cut -d= -f1 "$prefix/versions" | tr '\n' ' ') == "${packages[*]} " ]]; then
  printf '%s\n' "$bin"
  exit 0
fi

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo 'tools/systemd/install.sh: needs apt-get and dpkg-deb (Debian or Ubuntu)' >&2
  exit 1
fi

printf 'systemd tools: downloading %s into %s\n' "${packages[*]}" "$prefix" >&2
rm -rf "$prefix"
mkdir -p "$prefix/debs" "$prefix/root" "$bin"
# apt-get download drops privileges to _apt, which cannot write into a private home directory.
chmod 0755 "$prefix" "$prefix/debs"
download() { (cd "$prefix/debs" && apt-get download -q "${packages[@]}" >&2); }
if ! download; then
  apt-get update -q >&2
  download
fi
for deb in "$prefix"/debs/*.deb; do dpkg-deb -x "$deb" "$prefix/root"; done

libdir=$(dirname "$(find "$prefix/root" -name 'libsystemd-shared-*.so' | head -n1)")
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
  path=$(find "$prefix/root/usr/bin" "$prefix/root/bin" -name "$tool" 2>/dev/null | head -n1)
  [[ -n $path ]] || {
    echo "tools/systemd/install.sh: the systemd package has no $tool" >&2
    exit 1
  }
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%q exec %q "$@"\n' "$libdir" "$path" >"$bin/$tool"
done
chmod 0755 "$bin"/*

for tool in "$bin"/*; do
  if ! "$tool" --version >/dev/null 2>&1; then
    echo "tools/systemd/install.sh: $tool does not run; missing libraries:" >&2
    LD_LIBRARY_PATH=$libdir ldd "$(sed -n 's/.*exec \([^ ]*\) .*/\1/p' "$tool")" | grep 'not found' >&2 || true
    exit 1
  fi
done

for deb in "$prefix"/debs/*.deb; do
  printf '%s=%s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"
done | sort -t= -k1,1 | awk -F= -v order="${packages[*]}" '
  { version[$1] = $0 }
  END { n = split(order, names, " "); for (i = 1; i <= n; i++) print version[names[i]] }' >"$prefix/versions.partial"
mv "$prefix/versions.partial" "$prefix/versions"
printf '%s\n' "$bin"
