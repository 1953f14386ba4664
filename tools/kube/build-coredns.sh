#!/usr/bin/env bash
# Builds CoreDNS, the cluster DNS of the single-node cluster (cluster.sh), from the Go module
# proxy into the kube cache. Only the plugins the cluster uses are compiled in: the full
# upstream plugin set drags in every cloud SDK and triples the build time.
#
#   tools/kube/build-coredns.sh        idempotent: a cached binary costs nothing
#
# ENGRAM_COREDNS_VERSION picks another release (default below).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=coredns-build

version=${ENGRAM_COREDNS_VERSION:-$KUBE_COREDNS_VERSION}
bin=$KUBE_CACHE/bin/coredns-$version
if [[ -x $bin/coredns ]]; then
  log "coredns $version: cached ($bin/coredns)"
  exit 0
fi

go_bin=$(find_go)
export GOCACHE=${ENGRAM_KUBE_GOCACHE:-$KUBE_CACHE/go-build}
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod"
mkdir -p "$KUBE_CACHE/tmp" "$KUBE_CACHE/logs" "$bin"
work=$(mktemp -d "$KUBE_CACHE/tmp/coredns-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT
logfile=$KUBE_CACHE/logs/build-coredns-$version.log
start=$EPOCHREALTIME

# Directives must keep upstream's relative order (core/dnsserver/zdirectives.go): a plugin
# runs in directive order, not in Corefile order.
cat >"$work/main.go" <<'GO'
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func init() {
	dnsserver.Directives = []string{"bind", "ready", "health", "errors", "log", "cache", "kubernetes"}
}

func main() { coremain.Run() }
GO
printf 'module engram.invalid/coredns\n\ngo 1.25\n' >"$work/go.mod"
log "coredns $version: building (log: $logfile)"
if ! (cd "$work" && timeout 1800 "$go_bin" get "github.com/coredns/coredns@$version" &&
  GOGC=$GO_BUILD_GOGC timeout 1800 "$go_bin" build -trimpath -ldflags "-s -w" -o "$bin/coredns" .) >"$logfile" 2>&1; then
  tail -n 25 "$logfile" >&2
  die "coredns $version: build failed; full log: $logfile"
fi
log "coredns $version: built in $(since "$start")s"
