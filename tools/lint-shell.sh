#!/usr/bin/env bash
# Lints every shell script of the repository: ShellCheck (following sourced files), and shfmt's
# formatting check (2-space indent, indented case branches). Scripts are the tracked and new files
# named *.sh, plus those whose first line runs a shell (.ci/run); the generated deployment scripts
# are among them. Part of `pnpm test` (nx target lint-shell); tools/setup.sh installs both tools.
#
#   tools/lint-shell.sh          check; prints each finding and exits non-zero on any
#   tools/lint-shell.sh --fix    rewrite the scripts in shfmt's format, then check
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

shfmt_flags=(-i 2 -ci)

for tool in shellcheck shfmt; do
  command -v "$tool" >/dev/null || {
    printf 'lint-shell: %s is not installed; run: bash tools/setup.sh\n' "$tool" >&2
    exit 1
  }
done

scripts=()
while IFS= read -r -d '' file; do
  [[ -f $file ]] || continue
  if [[ $file == *.sh ]] || head -n 1 "$file" | grep -Eq '^#!(/usr/bin/env |/bin/)(ba|da)?sh\b'; then
    scripts+=("$file")
  fi
done < <(git ls-files -z --cached --others --exclude-standard -- ':!:node_modules' ':!:**/node_modules/**')
[[ ${#scripts[@]} -gt 0 ]] || {
  echo 'lint-shell: no shell script found' >&2
  exit 1
}

if [[ ${1:-} == --fix ]]; then
  shfmt "${shfmt_flags[@]}" -w "${scripts[@]}"
fi

status=0
shellcheck --external-sources "${scripts[@]}" || status=1
# -d prints what would change as a diff and exits non-zero when anything would.
shfmt "${shfmt_flags[@]}" -d "${scripts[@]}" || status=1
if [[ $status -eq 0 ]]; then
  printf 'lint-shell: %d scripts pass shellcheck and shfmt %s\n' "${#scripts[@]}" "${shfmt_flags[*]}"
else
  printf 'lint-shell: findings above (shfmt: run tools/lint-shell.sh --fix)\n' >&2
fi
exit "$status"
