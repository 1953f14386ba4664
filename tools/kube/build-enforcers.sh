#!/usr/bin/env bash
# Builds the two enforcers the single-node cluster (cluster.sh) runs for the security tests,
# from the Go module proxy into the kube cache:
#   kube-router, firewall only: the NetworkPolicy controller (iptables and ipset on the host);
#   Traefik: the Ingress controller (kubernetes Ingress provider, and its CRDs for Middlewares).
#
#   tools/kube/build-enforcers.sh [kube-router|traefik]...   idempotent: cached binaries cost nothing
#
# ENGRAM_KUBE_ROUTER_VERSION and ENGRAM_TRAEFIK_VERSION pick other releases (defaults in lib.sh).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=enforcers-build

go_bin=$(find_go)
export GOCACHE=${ENGRAM_KUBE_GOCACHE:-$KUBE_CACHE/go-build}
export CGO_ENABLED=0
mkdir -p "$KUBE_CACHE/tmp" "$KUBE_CACHE/logs"
# One build at a time: a second run (the global setup and a manual prepare) waits, then finds
# the binaries cached.
exec {build_lock}>"$KUBE_CACHE/.enforcers-build.lock"
flock -w 7200 "$build_lock" || die "another build held $KUBE_CACHE/.enforcers-build.lock for two hours"
work=
trap 'if [[ -n $work ]]; then rm -rf "$work"; fi' EXIT

# go_module_dir MODULE@VERSION: downloads a module and prints its directory in the module cache.
go_module_dir() {
  GOFLAGS=-mod=mod timeout 1800 "$go_bin" mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# build_from_copy NAME VERSION MODULE PACKAGE LDFLAGS [ADAPT]: the module is copied out of the
# read-only module cache and built there, with its own go.mod, go.sum and replace directives
# (which `go install` ignores); ADAPT, a function, runs in the copy first.
build_from_copy() {
  local name=$1 version=$2 module=$3 package=$4 ldflags=$5 adapt=${6:-true}
  local bin=$KUBE_CACHE/bin/$name-$version logfile=$KUBE_CACHE/logs/build-$name-$version.log
  local start=$EPOCHREALTIME src
  if [[ -x $bin/$name ]]; then
    log "$name $version: cached ($bin/$name)"
    return 0
  fi
  mkdir -p "$bin"
  work=$(mktemp -d "$KUBE_CACHE/tmp/$name-$version.XXXXXX")
  log "$name $version: building (log: $logfile)"
  if ! {
    src=$(go_module_dir "$module@$version") && [[ -n $src ]] &&
      cp -R "$src/." "$work/" && chmod -R u+w "$work" && (cd "$work" && "$adapt") &&
      (cd "$work" && GOFLAGS=-mod=mod GOGC=$GO_BUILD_GOGC timeout 3600 nice -n 10 "$go_bin" build -trimpath \
        -ldflags "-s -w $ldflags" -o "$bin/$name.tmp" "$package")
  } >"$logfile" 2>&1; then
    tail -n 25 "$logfile" >&2
    die "$name $version: build failed; full log: $logfile"
  fi
  rm -rf "$work"
  work=
  mv "$bin/$name.tmp" "$bin/$name"
  printf 'module %s@%s\ngo %s\nbuild seconds %s\n' "$module" "$version" \
    "$("$go_bin" env GOVERSION)" "$(since "$start")" >"$bin/BUILD-INFO"
  log "$name $version: built in $(since "$start")s"
}

build_kube_router() {
  local v=${ENGRAM_KUBE_ROUTER_VERSION:-$KUBE_ROUTER_VERSION}
  build_from_copy kube-router "$v" github.com/cloudnativelabs/kube-router/v2 ./cmd/kube-router \
    "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$v"
}

# Three things keep Traefik's module from building with only the Go module proxy, each adapted in
# the copy and checked, so a release that changes them fails here rather than building something else:
# - `replace .../dynamic/ext => ./pkg/config/dynamic/ext`: a nested module, left out of the
#   module's zip and not served by the proxy. In the open-source build it only declares empty
#   extension types, written here.
# - the ACME DNS-01 providers (lego's providers/dns) need SDK modules the proxy refuses (403):
#   that one call is replaced by an error. Certificates come from Secrets or cert-manager here.
# - the fork github.com/containous/go-http-auth is refused too: the upstream module it forks,
#   abbot/go-http-auth v0.4.0, is used instead. It lacks two additions of the fork: CheckSecret
#   (written here on top of v0.4.0's BasicAuth.CheckAuth, which checks the same htpasswd hashes)
#   and DigestAuth.RequireAuthStale (plain RequireAuth: the client gets a new nonce either way).
adapt_traefik() {
  local acme=pkg/provider/acme/provider.go
  mkdir -p pkg/config/dynamic/ext
  printf 'module github.com/traefik/traefik/dynamic/ext\n\ngo 1.24.0\n' >pkg/config/dynamic/ext/go.mod
  cat >pkg/config/dynamic/ext/ext.go <<'GO'
// Package ext holds the extension points of the dynamic configuration: none in this build.
package ext

type HTTP struct{}

type Router struct{}

type RouterIng struct{}

func (RouterIng) ToRouter() Router { return Router{} }
GO
  if ! grep -q '"github.com/go-acme/lego/v5/providers/dns"' "$acme" ||
    ! grep -q 'provider, err = dns.NewDNSChallengeProviderByName(p.DNSChallenge.Provider)' "$acme"; then
    echo "adapt_traefik: $acme no longer has the DNS provider call this script replaces" >&2
    return 1
  fi
  sed -i -e '\|"github.com/go-acme/lego/v5/providers/dns"|d' \
    -e 's|provider, err = dns.NewDNSChallengeProviderByName(p.DNSChallenge.Provider)|err = fmt.Errorf("ACME DNS challenge provider %q is not built in", p.DNSChallenge.Provider)|' "$acme"
  grep -q '^	github.com/abbot/go-http-auth => github.com/containous/go-http-auth ' go.mod || {
    echo "adapt_traefik: go.mod no longer replaces abbot/go-http-auth with the containous fork" >&2
    return 1
  }
  sed -i 's|^\(	github.com/abbot/go-http-auth => \)github.com/containous/go-http-auth .*|\1github.com/abbot/go-http-auth v0.4.0|' go.mod
  if ! grep -q 'checkSecret:       goauth.CheckSecret,' pkg/middlewares/auth/basic_auth.go ||
    ! grep -q 'd.auth.RequireAuthStale(rw, req)' pkg/middlewares/auth/digest_auth.go; then
    echo "adapt_traefik: the auth middlewares no longer use CheckSecret and RequireAuthStale as expected" >&2
    return 1
  fi
  sed -i 's|checkSecret:       goauth.CheckSecret,|checkSecret:       checkHtpasswdSecret,|' pkg/middlewares/auth/basic_auth.go
  sed -i 's|d.auth.RequireAuthStale(rw, req)|d.auth.RequireAuth(rw, req)|' pkg/middlewares/auth/digest_auth.go
  cat >pkg/middlewares/auth/htpasswd_secret.go <<'GO'
package auth

import (
	"net/http"

	goauth "github.com/abbot/go-http-auth"
)

// checkHtpasswdSecret reports whether password matches an htpasswd hash, through the basic-auth
// check of go-http-auth v0.4.0 (the release this build uses has no CheckSecret of its own).
func checkHtpasswdSecret(password, secret string) bool {
	req, err := http.NewRequest(http.MethodGet, "/", http.NoBody)
	if err != nil {
		return false
	}
	req.SetBasicAuth("user", password)
	check := &goauth.BasicAuth{Secrets: func(string, string) string { return secret }}
	return check.CheckAuth(req) != ""
}
GO
}

build_traefik() {
  local v=${ENGRAM_TRAEFIK_VERSION:-$KUBE_TRAEFIK_VERSION} src
  local crds=$KUBE_CACHE/bin/traefik-$v/crds.yaml
  build_from_copy traefik "$v" github.com/traefik/traefik/v3 ./cmd/traefik \
    "-X github.com/traefik/traefik/v3/pkg/version.Version=$v" adapt_traefik
  # The CRDs of Traefik's kubernetesCRD provider (a Middleware is how Traefik redirects plain
  # HTTP), as the same module release defines them.
  if [[ ! -s $crds ]]; then
    src=$(go_module_dir "github.com/traefik/traefik/v3@$v") || src=
    [[ -n $src ]] || die "traefik $v: the module could not be downloaded for its CRDs"
    cp "$src/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml" "$crds.tmp"
    mv "$crds.tmp" "$crds"
    log "traefik $v: CRDs at $crds"
  fi
}

if [[ $# -eq 0 ]]; then set -- kube-router traefik; fi
for what in "$@"; do
  case $what in
    kube-router) build_kube_router ;;
    traefik) build_traefik ;;
    *) die "unknown enforcer '$what' (want kube-router or traefik)" ;;
  esac
done
