#!/usr/bin/env bash
# Installs what the workspace needs on a fresh machine: the pinned pnpm and the locked dependencies,
# ShellCheck and shfmt from Debian for the shell lint in `pnpm test`, and actionlint and helm, which
# unit tests run.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

shell_tools=(shellcheck shfmt)
missing=()
for tool in "${shell_tools[@]}"; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends "${missing[@]}"
fi

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  npm install --global --no-fund --no-audit "pnpm@${pnpm_version}"
fi
pnpm install --frozen-lockfile --reporter=append-only
# actionlint, which `pnpm test` runs on the generated CI workflow (built from its Go module, cached).
tools/ci/install-actionlint.sh >/dev/null
# helm, with which `pnpm test` renders the generated chart for every model variant (built from its Go module, cached).
tools/scanners/install.sh helm
