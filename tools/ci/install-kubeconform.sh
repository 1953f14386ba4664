#!/usr/bin/env bash
# Builds kubeconform from its Go module and writes its JSON schemas for Kubernetes releases from
# each release's own OpenAPI document (in the k8s.io/kubernetes Go module), so the CI check script
# validates offline here. Idempotent: built binaries and written schemas are reused.
#
#   tools/ci/install-kubeconform.sh VERSION...    e.g. 1.37.2 1.35.4
#
# Prints two lines on stdout: the directory of the kubeconform binary (for PATH), then the schema
# directory (for kubeconform -schema-location). Progress goes to stderr.
#
# Layout: ${ENGRAM_DEPLOY_CACHE:-~/.cache/engram-deploy}/ci/
#   kubeconform-<version>/kubeconform
#   kubeconform-schemas/v<release>-standalone-strict/<kind>-<group>-<version>.json
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

KUBECONFORM_VERSION=v0.8.0

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../go-build.sh
source "$here/../go-build.sh"
cache_root=${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}
prefix=$cache_root/ci
bin_dir=$prefix/kubeconform-$KUBECONFORM_VERSION
schemas=$prefix/kubeconform-schemas

[[ $# -gt 0 ]] || {
  echo 'usage: tools/ci/install-kubeconform.sh KUBERNETES_VERSION...' >&2
  exit 2
}

go=$(find_go)
mkdir -p "$prefix/logs" "$schemas"

if [[ ! -x $bin_dir/kubeconform ]]; then
  tmp=$(mktemp -d "$prefix/.build-kubeconform.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  printf 'kubeconform: building %s (log: %s)\n' "$KUBECONFORM_VERSION" "$prefix/logs/kubeconform.log" >&2
  if ! CGO_ENABLED=0 GOGC=$GO_BUILD_GOGC GOBIN=$tmp nice -n 10 "$go" install -trimpath -ldflags '-s -w' \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" >"$prefix/logs/kubeconform.log" 2>&1; then
    tail -n 20 "$prefix/logs/kubeconform.log" >&2
    echo "tools/ci/install-kubeconform.sh: building kubeconform $KUBECONFORM_VERSION failed" >&2
    exit 1
  fi
  mkdir -p "$bin_dir"
  mv -f "$tmp/kubeconform" "$bin_dir/kubeconform"
fi

for version in "$@"; do
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
    echo "not a Kubernetes release: $version" >&2
    exit 2
  }
  [[ -d $schemas/v$version-standalone-strict ]] && continue
  # The module holds the release's OpenAPI document; the module cache keeps it for later runs.
  printf 'kubeconform: schemas of Kubernetes %s from k8s.io/kubernetes@v%s\n' "$version" "$version" >&2
  dir=$("$go" mod download -json "k8s.io/kubernetes@v$version" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})')
  node "$here/kubeconform-schemas.mjs" "$dir/api/openapi-spec/swagger.json" "$version" "$schemas"
done

printf '%s\n%s\n' "$bin_dir" "$schemas"
