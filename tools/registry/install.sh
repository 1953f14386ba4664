#!/usr/bin/env bash
# Installs the local npm registry (verdaccio, pinned by package-lock.json here) into a cache
# outside the work tree. Idempotent: an install whose lockfile is unchanged costs nothing.
#
#   tools/registry/install.sh     prints the path of verdaccio's executable script
#
# verdaccio 6.8 is the last release that runs on Node 20; its audit plugin asks for the
# `node-fetch@cjs` dist-tag, which some registries do not serve, so package.json overrides it
# with the version that tag names (2.7.0).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}
lock_hash=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
prefix=$cache_root/registry/verdaccio-$lock_hash
entry=$prefix/node_modules/verdaccio/bin/verdaccio

if [[ ! -f $prefix/.installed ]]; then
  printf 'registry: installing verdaccio into %s\n' "$prefix" >&2
  rm -rf "$prefix"
  mkdir -p "$prefix"
  cp "$here/package.json" "$here/package-lock.json" "$prefix/"
  (cd "$prefix" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$prefix/.installed"
fi
printf '%s\n' "$entry"
