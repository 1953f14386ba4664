#!/usr/bin/env bash
# Validates Kubernetes manifests against real kube-apiservers: a server-side dry-run with
# strict field validation, in namespaces that enforce Pod Security "restricted" with the
# real PodSecurity admission. Any error or warning fails.
#
#   tools/kube/validate.sh [options] PATH...
#
# PATH is a manifest file, a directory of manifests, or a kustomization directory (rendered
# as `kubectl apply -k` would). Each PATH is checked on its own, on every version.
#
#   --versions "V..."  releases to check (default: ENGRAM_KUBE_VERSIONS or those in lib.sh)
#   --with-crds        install tools/kube/crds/*.yaml first (ServiceMonitor, Middleware); also
#                      ENGRAM_KUBE_WITH_CRDS=1
#   --crd FILE         install this CRD first (repeatable)
#   --keep-running     leave the apiservers this run started running (ENGRAM_KUBE_KEEP_RUNNING=1);
#                      ones that were already running are always left running
#
# Objects without a namespace go to ENGRAM_KUBE_VALIDATE_NAMESPACE (default engram-validate).
# Every namespace the manifests name is created for real and labelled restricted for
# enforce, audit and warn, whatever labels the manifests give it: the point is to prove
# the workloads run under "restricted". Pods are rejected by enforcement; for workload
# objects (StatefulSet, Deployment, ...) PodSecurity only warns, which fails here too.
#
# Prints one PASS/FAIL line per version and PATH and a closing count; exit 1 on any FAIL.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=kube-validate

versions_arg=
with_crds=${ENGRAM_KUBE_WITH_CRDS:-0}
keep_running=${ENGRAM_KUBE_KEEP_RUNNING:-0}
default_namespace=${ENGRAM_KUBE_VALIDATE_NAMESPACE:-engram-validate}
crds=()
paths=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --versions)
      versions_arg=${2:?--versions needs a value}
      shift 2
      ;;
    --with-crds)
      with_crds=1
      shift
      ;;
    --crd)
      crds+=("${2:?--crd needs a file}")
      shift 2
      ;;
    --keep-running)
      keep_running=1
      shift
      ;;
    -h | --help)
      sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    --)
      shift
      paths+=("$@")
      break
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      paths+=("$1")
      shift
      ;;
  esac
done
[[ ${#paths[@]} -gt 0 ]] || die "no manifests given (see --help)"
for p in "${paths[@]}"; do
  [[ -e $p ]] || die "no such file or directory: $p"
done
if [[ $with_crds == 1 ]]; then
  crds+=("$here"/crds/*.yaml)
fi
for c in "${crds[@]}"; do
  [[ -f $c ]] || die "no such CRD file: $c"
done
# shellcheck disable=SC2086 # a space-separated list, split on purpose
version_list=$(kube_versions ${versions_arg})

tmp=$(mktemp -d)
started=()
cleanup() {
  local v
  if [[ $keep_running != 1 ]]; then
    for v in "${started[@]}"; do "$here/apiserver.sh" stop "$v" || true; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

is_kustomization() {
  [[ -f $1/kustomization.yaml || -f $1/kustomization.yml || -f $1/Kustomization ]]
}

# namespaces_of KUBECTL ARGS...: the namespaces the manifests put objects in, and the
# Namespace objects they declare, read by kubectl itself (no YAML parsing in bash).
namespaces_of() {
  "$@" create --dry-run=client --validate=false -o go-template='{{if eq .kind "Namespace"}}{{.metadata.name}}{{else}}{{with .metadata.namespace}}{{.}}{{end}}{{end}}{{"\n"}}'
}

# prepare_namespace NAME: exists, enforces restricted, and has the "default" service
# account that kube-controller-manager would create (admission of a Pod needs it).
# Created with apply, so a later dry-run apply of the manifests' own Namespace gets no
# missing-annotation warning.
prepare_namespace() {
  "${k[@]}" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $1
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/audit-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/warn-version: latest
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: $1
EOF
  # apply merges labels: make sure nothing a manifest applied earlier relaxed them.
  "${k[@]}" label --overwrite namespace "$1" \
    pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest \
    pod-security.kubernetes.io/audit=restricted pod-security.kubernetes.io/audit-version=latest \
    pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/warn-version=latest >/dev/null
}

install_crds() {
  local c names
  for c in "$@"; do
    names=$("${k[@]}" apply -f "$c" -o name)
    # shellcheck disable=SC2086 # one name per word
    "${k[@]}" wait --for=condition=Established --timeout=60s $names >/dev/null
  done
}

# with_hint OUTPUT: kubectl's output, plus what to do when the kind is unknown.
with_hint() {
  printf '%s\n' "$1"
  if grep -qE 'no matches for kind|could not find the requested resource' <<<"$1"; then
    printf '%s\n' "hint: a kind this server does not know; --with-crds installs tools/kube/crds/*.yaml"
  fi
}

passed=0
failed=0
# record RESULT VERSION PATH OUTPUT
record() {
  if [[ $1 == PASS ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  printf '%s %s %s\n' "$1" "$2" "$3"
  if [[ -n $4 ]]; then printf '%s\n' "$4" | sed 's/^/    /'; fi
}

for version in $version_list; do
  if ! "$here/apiserver.sh" kubeconfig "$version" >/dev/null 2>&1; then
    started+=("$version")
  fi
  kubeconfig=$("$here/apiserver.sh" start "$version")
  kubectl=$(kubectl_for "$version")
  # A private copy whose context names the default namespace: unlike -n, it does not
  # refuse objects that name their own namespace.
  kc=$tmp/$version.kubeconfig
  cp "$kubeconfig" "$kc"
  # A discovery cache of this run only: kubectl's default one is keyed by host and port,
  # and would remember the CRDs of an earlier server on the same port.
  k=("$kubectl" --kubeconfig "$kc" --cache-dir "$tmp/kube-cache-$version")
  "${k[@]}" config set-context --current --namespace="$default_namespace" >/dev/null
  if [[ ${#crds[@]} -gt 0 ]]; then install_crds "${crds[@]}"; fi

  i=0
  for path in "${paths[@]}"; do
    i=$((i + 1))
    src=$path
    if [[ -d $path ]] && is_kustomization "$path"; then
      # kustomize of the same release as the server, as a user's `kubectl apply -k` would.
      rendered=$tmp/$i-$(basename "$path").rendered.yaml
      if ! out=$("${k[@]}" kustomize "$path" 2>&1 >"$rendered"); then
        record FAIL "$version" "$path" "kustomize: $out"
        continue
      fi
      src=$rendered
    fi

    if ! namespaces=$(namespaces_of "${k[@]}" -f "$src" 2>"$tmp/stderr"); then
      record FAIL "$version" "$path" "$(with_hint "$(<"$tmp/stderr")")"
      continue
    fi
    for ns in $(printf '%s\n%s\n' "$default_namespace" "$namespaces" | sort -u); do
      prepare_namespace "$ns"
    done

    # --warnings-as-errors turns the server's warnings (PodSecurity on workload objects,
    # deprecated APIs, ...) into a failure; the grep catches kubectl's own warnings too.
    rc=0
    out=$("${k[@]}" --warnings-as-errors apply --dry-run=server --validate=strict \
      -f "$src" 2>&1) || rc=$?
    if [[ $rc -ne 0 ]] || grep -q '^Warning:' <<<"$out"; then
      record FAIL "$version" "$path" "$(with_hint "$out")"
    else
      record PASS "$version" "$path" ""
    fi
  done
done

printf 'validate: %d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
