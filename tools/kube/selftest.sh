#!/usr/bin/env bash
# Proves that tools/kube/validate.sh catches what it claims to, on every configured
# release: each sample in testdata/ must pass or fail as its name says, and a failure must
# be for the expected reason (a failure for another reason, say a missing namespace, would
# prove nothing).
#
#   tools/kube/selftest.sh [--versions "V..."]
#
# Starts the apiservers once for all cases and stops those it started. Exit 1 if any
# expectation is not met.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=kube-selftest

versions_arg=${ENGRAM_KUBE_VERSIONS:-}
if [[ ${1:-} == --versions ]]; then
  versions_arg=${2:?--versions needs a value}
fi
# shellcheck disable=SC2086 # a space-separated list, split on purpose
version_list=$(kube_versions ${versions_arg})
version_count=$(wc -w <<<"$version_list")

# sample|expected outcome|text every FAIL block must contain
cases=(
  "pass-statefulset.yaml|pass|"
  "pass-servicemonitor.yaml|pass|"
  'fail-unknown-field.yaml|fail|unknown field "spec.template.spec.containers[0].imagePullPolcy"'
  'fail-privileged-pod.yaml|fail|violates PodSecurity "restricted:latest"'
  'fail-root-statefulset.yaml|fail|would violate PodSecurity "restricted:latest"'
  'fail-servicemonitor-interval.yaml|fail|spec.endpoints[0].interval'
)

started=()
cleanup() {
  local v
  for v in "${started[@]}"; do "$here/apiserver.sh" stop "$v" || true; done
}
trap cleanup EXIT
for version in $version_list; do
  if ! "$here/apiserver.sh" kubeconfig "$version" >/dev/null 2>&1; then
    started+=("$version")
    "$here/apiserver.sh" start "$version" >/dev/null
  fi
done

ok=0
bad=0
for case in "${cases[@]}"; do
  IFS='|' read -r sample expected reason <<<"$case"
  rc=0
  out=$(ENGRAM_KUBE_KEEP_RUNNING=1 "$here/validate.sh" --versions "$version_list" --with-crds \
    "$here/testdata/$sample" 2>&1) || rc=$?
  passes=$(grep -c '^PASS ' <<<"$out" || true)
  fails=$(grep -c '^FAIL ' <<<"$out" || true)
  verdict=ok
  if [[ $expected == pass ]]; then
    [[ $rc -eq 0 && $passes -eq $version_count ]] || verdict="expected PASS on $version_count release(s)"
  else
    if [[ $rc -eq 0 || $fails -ne $version_count ]]; then
      verdict="expected FAIL on $version_count release(s)"
    elif [[ $(grep -cF -- "$reason" <<<"$out") -lt $version_count ]]; then
      verdict="failed, but not with: $reason"
    fi
  fi
  if [[ $verdict == ok ]]; then
    ok=$((ok + 1))
    printf 'ok   %-36s %s\n' "$sample" "$(grep -oF -- "${reason:-PASS}" <<<"$out" | head -n 1)"
  else
    bad=$((bad + 1))
    printf 'FAIL %-36s %s\n' "$sample" "$verdict"
    printf '%s\n' "$out" | sed 's/^/    /'
  fi
done

printf 'selftest: %d passed, %d failed\n' "$ok" "$bad"
[[ $bad -eq 0 ]]
