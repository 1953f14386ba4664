#!/usr/bin/env bash
# Builds Kubernetes binaries for each release from the k8s.io/kubernetes module on the Go
# module proxy into a per-version cache. Idempotent: a version already cached costs nothing.
#
#   tools/kube/build.sh [VERSION...]     default: the versions in lib.sh (v1.37.2 v1.35.4)
#
# ENGRAM_KUBE_COMPONENTS     binaries to build; default "kube-apiserver kubectl". A full
#                            cluster adds kube-controller-manager kube-scheduler kubelet
#                            kube-proxy: only the missing ones are built.
# ENGRAM_KUBE_BUILD_TIMEOUT  seconds one version's build may take (default 4800: a cold build shares two
#                            cores with the other harness builds and the Engram release build)
# ENGRAM_KUBE_GOCACHE        Go build cache (default <cache>/kube/go-build)
#
# Prints nothing on stdout; progress and a timing line per version go to stderr, and each
# version's BUILD-INFO records what was built, with which Go, and how long it took.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=kube-build

read -ra components <<<"${ENGRAM_KUBE_COMPONENTS:-kube-apiserver kubectl}"
build_timeout=${ENGRAM_KUBE_BUILD_TIMEOUT:-4800}
go_bin=$(find_go)
# A cache of its own: builds of different releases share most objects, and its size is the
# disk cost of this harness alone (`du` on it is the number the README quotes).
export GOCACHE=${ENGRAM_KUBE_GOCACHE:-$KUBE_CACHE/go-build}
# Release binaries are static (upstream builds these components with cgo off), and the
# wrapper module gets its go.sum filled in as packages are resolved.
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=mod"

build_pid=
cleanup() {
  # The build runs in its own process group: end all of it if we are interrupted.
  if [[ -n $build_pid ]] && kill -0 "$build_pid" 2>/dev/null; then
    kill -- "-$build_pid" 2>/dev/null || true
  fi
  if [[ -n ${work:-} ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# write_wrapper_module VERSION DIR: k8s.io/kubernetes replaces every k8s.io/* staging
# module with a ./staging path, which `go install` refuses and which is ignored when the
# module is a dependency. A module of our own requires it and pins each staging module to
# the tag published for the same release. The list comes from upstream's go.mod, so a new
# staging module needs no change here.
write_wrapper_module() {
  local version=$1 dir=$2 upstream staging go_line
  upstream=$("$go_bin" mod download -json "k8s.io/kubernetes@$version" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f $upstream ]] || die "the Go module proxy did not serve k8s.io/kubernetes@$version"

  mapfile -t staging < <(awk '$1 == "replace" { $1 = ""; $0 = $0 }
    $2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "$upstream")
  [[ ${#staging[@]} -gt 0 ]] ||
    die "no ./staging replace directives in k8s.io/kubernetes@$version go.mod: the layout changed, revisit write_wrapper_module"

  go_line=$(awk '$1 == "go" { print; exit }' "$upstream")
  {
    printf 'module engram.invalid/kube-build\n\n%s\n\n' "$go_line"
    # The main module's godebug settings decide runtime defaults (TLS, x509, ...): keep
    # upstream's, or our binary behaves unlike the release.
    awk '$1 == "godebug" && $2 == "(" { block = 1 } block || $1 == "godebug" { print }
      block && $1 == ")" { block = 0 }' "$upstream"
    printf '\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$version"
    local module
    for module in "${staging[@]}"; do
      printf '\t%s => %s %s\n' "$module" "$module" "$(staging_version "$version")"
    done
    printf ')\n'
  } >"$dir/go.mod"
}

# wait_bounded PID LOGFILE LABEL: poll the background build, say every minute that it is
# alive, and end it past the timeout so a stuck build cannot eat a CI run.
wait_bounded() {
  local pid=$1 logfile=$2 label=$3 started=$SECONDS next_note=60
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS - started >= build_timeout)); then
      kill -- "-$pid" 2>/dev/null || true
      wait "$pid" || true
      tail -n 20 "$logfile" >&2 || true
      die "$label: build passed ENGRAM_KUBE_BUILD_TIMEOUT=${build_timeout}s; full log: $logfile"
    fi
    if ((SECONDS - started >= next_note)); then
      log "$label: still building ($((SECONDS - started))s)"
      next_note=$((next_note + 60))
    fi
    sleep 2
  done
  if ! wait "$pid"; then
    tail -n 25 "$logfile" >&2 || true
    die "$label: go build failed; full log: $logfile"
  fi
}

build_version() {
  local version=$1 bin logdir missing=() c
  bin=$(kube_bin_dir "$version")
  for c in "${components[@]}"; do
    [[ -x $bin/$c ]] || missing+=("$c")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "$version: cached ($bin: ${components[*]})"
    return
  fi

  local start=$EPOCHREALTIME
  logdir=$KUBE_CACHE/logs
  mkdir -p "$bin" "$logdir" "$KUBE_CACHE/tmp"
  work=$(mktemp -d "$KUBE_CACHE/tmp/build-$version.XXXXXX")
  write_wrapper_module "$version" "$work"

  local pkgs=() getargs=()
  for c in "${missing[@]}"; do
    pkgs+=("k8s.io/kubernetes/cmd/$c")
    getargs+=("k8s.io/kubernetes/cmd/$c@$version")
  done
  log "$version: resolving modules for ${missing[*]}"
  # Bounded too: it downloads, and a stalled download must not hang a CI run.
  (cd "$work" && timeout "$build_timeout" "$go_bin" get "${getargs[@]}") >"$logdir/build-$version.log" 2>&1 || {
    tail -n 25 "$logdir/build-$version.log" >&2
    die "$version: resolving the wrapper module failed; full log: $logdir/build-$version.log"
  }

  # Flags as upstream's hack/lib/golang.sh sets them for release builds, so `--version`,
  # the tags and the stripped symbols match a released binary.
  local minor ldflags="" kv key val
  minor=$(kube_minor "$version")
  for kv in "gitVersion=$version" "gitMajor=1" "gitMinor=$minor" "gitTreeState=clean" \
    "buildDate=1970-01-01T00:00:00Z"; do
    key=${kv%%=*} val=${kv#*=}
    ldflags+=" -X 'k8s.io/client-go/pkg/version.$key=$val' -X 'k8s.io/component-base/version.$key=$val'"
  done
  log "$version: building ${missing[*]} (GOCACHE=$GOCACHE)"
  (
    cd "$work"
    export GOGC=$GO_BUILD_GOGC
    # setsid: its own process group, so a timeout or an interrupt ends the compilers too.
    exec setsid "$go_bin" build -trimpath -tags selinux,notest,grpcnotrace \
      -ldflags "all=${ldflags# } -s -w" -o "$work/out/" "${pkgs[@]}"
  ) >>"$logdir/build-$version.log" 2>&1 &
  build_pid=$!
  wait_bounded "$build_pid" "$logdir/build-$version.log" "$version"
  build_pid=

  for c in "${missing[@]}"; do
    mv -f "$work/out/$c" "$bin/$c"
  done
  # The wrapper is kept beside the binaries: it says exactly which modules went in.
  mkdir -p "$bin/wrapper"
  cp "$work/go.mod" "$work/go.sum" "$bin/wrapper/"
  rm -rf "$work"
  work=

  local reported
  reported=$("$bin/kube-apiserver" --version 2>/dev/null || true)
  [[ ! -x $bin/kube-apiserver || $reported == "Kubernetes $version" ]] ||
    die "$version: kube-apiserver --version says '$reported'"

  local took cache_size
  took=$(since "$start")
  cache_size=$(du -sh "$GOCACHE" | cut -f1)
  local have=() f
  for f in "$bin"/*; do
    if [[ -f $f && -x $f ]]; then have+=("${f##*/}"); fi
  done
  {
    printf 'version=%s\n' "$version"
    printf 'components=%s\n' "${have[*]}"
    printf 'go=%s\n' "$("$go_bin" env GOVERSION)"
    printf 'last_build=%s\n' "${missing[*]}"
    printf 'last_build_seconds=%s\n' "$took"
    printf 'gocache_after=%s\n' "$cache_size"
  } >"$bin/BUILD-INFO"
  log "$version: built ${missing[*]} in ${took}s; Go build cache now $cache_size"
}

# Command substitution, not a process substitution: a bad version must stop the script.
version_list=$(kube_versions "$@")
for version in $version_list; do
  build_version "$version"
done
