#!/usr/bin/env bash
# Builds actionlint, the GitHub Actions workflow linter, from its Go module into a cache outside
# the work tree. `pnpm test` lints the generated CI workflow with it. Idempotent: a built version
# is reused as it is (a second run takes milliseconds).
#
#   tools/ci/install-actionlint.sh    prints the path of the actionlint binary on stdout
#
# Layout: ${ENGRAM_DEPLOY_CACHE:-~/.cache/engram-deploy}/ci/actionlint-<version>/actionlint
# Needs Go (go on PATH or /usr/local/go/bin/go); the build log goes to ci/logs/actionlint.log.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# shellcheck source=../go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../go-build.sh"

ACTIONLINT_VERSION=v1.7.12

cache_root=${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}
prefix=$cache_root/ci
dest=$prefix/actionlint-$ACTIONLINT_VERSION/actionlint

if [[ -x $dest ]]; then
  printf '%s\n' "$dest"
  exit 0
fi

go=$(find_go)

mkdir -p "$prefix/logs"
tmp=$(mktemp -d "$prefix/.build-actionlint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'actionlint: building %s with %s (log: %s)\n' "$ACTIONLINT_VERSION" "$("$go" env GOVERSION)" "$prefix/logs/actionlint.log" >&2
# The version stamp is what `actionlint -version` prints, as in upstream's release build.
if ! CGO_ENABLED=0 GOGC=$GO_BUILD_GOGC GOBIN=$tmp nice -n 10 "$go" install -trimpath \
  -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
  "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >"$prefix/logs/actionlint.log" 2>&1; then
  tail -n 20 "$prefix/logs/actionlint.log" >&2
  echo "tools/ci/install-actionlint.sh: building actionlint $ACTIONLINT_VERSION failed" >&2
  exit 1
fi
"$tmp/actionlint" -version >/dev/null
mkdir -p "$(dirname "$dest")"
# Renamed into place, so an interrupted build never leaves a half binary a later run would trust.
mv -f "$tmp/actionlint" "$dest"
printf '%s\n' "$dest"
