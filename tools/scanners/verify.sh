#!/usr/bin/env bash
# Prove that every scanner works offline: run each one against the
# deliberately bad samples in testdata/ inside a network namespace with no
# network at all, and require that it fails and names the planted problems.
# A scanner that silently skipped its checks (e.g. trivy without its checks
# bundle) would exit 0 or miss the IDs, and this script would fail.
#
#   tools/scanners/install.sh && tools/scanners/verify.sh [-v]
#
# -v prints each scanner's full output. Ends with "N passed, N failed".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="$here/testdata"
verbose=false
[[ "${1:-}" == "-v" ]] && verbose=true

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$here/env.sh"

for tool in checkov hadolint yamllint trivy helm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "verify: $tool missing, run tools/scanners/install.sh" >&2
    exit 1
  }
done

# A fresh network namespace has only a downed loopback, so any attempt to
# reach the network fails at once instead of silently succeeding. As root
# plain `unshare -n` works; otherwise try an unprivileged user namespace.
offline=()
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
elif unshare -rn true 2>/dev/null; then
  offline=(unshare -rn)
else
  echo "verify: cannot create a network namespace; running with the network reachable" >&2
fi

passed=0
failed=0

# expect NAME "ID ..." COMMAND...: COMMAND must exit non-zero and print
# every ID.
expect() {
  local name="$1" ids="$2"
  shift 2
  local out rc=0 start elapsed id line missing=()
  start="$EPOCHREALTIME"
  out="$("${offline[@]}" "$@" 2>&1)" || rc=$?
  elapsed="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  for id in $ids; do
    grep -qF -- "$id" <<<"$out" || missing+=("$id")
  done
  local show="$verbose"
  if [[ $rc -ne 0 && ${#missing[@]} -eq 0 ]]; then
    passed=$((passed + 1))
    printf 'ok    %-20s %5ss  found %s\n' "$name" "$elapsed" "$ids"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-20s %5ss  exit %s, missing: %s\n' "$name" "$elapsed" "$rc" "${missing[*]:-none}"
    show=true
  fi
  if $show; then
    while IFS= read -r line; do printf '      | %s\n' "$line"; done <<<"$out"
  fi
}

expect hadolint "DL3002 DL3007 DL3025" \
  hadolint --no-color "$data/dockerfile/Dockerfile"

expect checkov-dockerfile "CKV_DOCKER_8 CKV_DOCKER_7 CKV_DOCKER_1" \
  checkov -f "$data/dockerfile/Dockerfile" --framework dockerfile --skip-download --quiet --compact

expect checkov-kubernetes "CKV_K8S_16 CKV_K8S_17 CKV_K8S_19 CKV_K8S_23" \
  checkov -d "$data/k8s" --framework kubernetes --skip-download --quiet --compact

# checkov renders the chart with the helm binary on PATH before checking it.
expect checkov-helm "CKV_K8S_16 CKV_K8S_14" \
  checkov -d "$data/chart" --framework helm --skip-download --quiet --compact

# --exit-code 1: trivy exits 0 on findings by default.
expect trivy-dockerfile "DS-0002 DS-0001 DS-0031" \
  trivy config --skip-check-update --exit-code 1 --quiet "$data/dockerfile"

expect trivy-kubernetes "KSV-0017 KSV-0009 KSV-0010" \
  trivy config --skip-check-update --exit-code 1 --quiet "$data/k8s"

expect trivy-helm "KSV-0017 KSV-0014" \
  trivy config --skip-check-update --exit-code 1 --quiet "$data/chart"

expect yamllint "key-duplicates trailing-spaces indentation" \
  yamllint -f parsable "$data/yaml"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
