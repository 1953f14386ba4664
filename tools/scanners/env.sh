# shellcheck shell=bash
# Source this file (after tools/scanners/install.sh) to put the scanners on
# PATH and make every one of them run fully offline:
#
#   source tools/scanners/env.sh
#
# It only sets variables; it installs nothing and prints nothing. Sourcing it
# twice is harmless.

ENGRAM_SCANNERS_HOME="${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}/scanners"
export ENGRAM_SCANNERS_HOME

case ":$PATH:" in
  *":$ENGRAM_SCANNERS_HOME/bin:"*) ;;
  *) export PATH="$ENGRAM_SCANNERS_HOME/bin:$PATH" ;;
esac

# --- yamllint --------------------------------------------------------------
# The project's rules, used when no .yamllint file is found above the current
# directory (yamllint prefers those) and no -c is given.
export YAMLLINT_CONFIG_FILE="${YAMLLINT_CONFIG_FILE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/yamllint.yaml}"

# --- checkov ---------------------------------------------------------------
# Without these, checkov asks the package index for a newer checkov (cached
# for an hour) and downloads check guidelines from its vendor's platform on
# every run. BC_SKIP_MAPPING=TRUE is the variable form of --skip-download.
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
export BC_SKIP_MAPPING=TRUE
# checkov renders charts with `helm template --dependency-update`, which
# would fetch http(s) chart dependencies; allow none (such a chart is then
# skipped with a warning: vendor dependencies under charts/ instead).
export CHECKOV_HELM_ALLOWED_REMOTE_REPOS=none
# An API key switches checkov to platform mode (uploads, SCA, custom
# policies), all of which need the network.
unset BC_API_KEY

# --- trivy -----------------------------------------------------------------
# The checks bundle normally comes from a container registry, which these
# machines cannot reach; with this set, trivy uses the checks compiled into
# the binary (it logs "Falling back to embedded checks", which is expected).
export TRIVY_SKIP_CHECK_UPDATE=true
# Both of these are needed to stop trivy's start-up call home: each one
# alone still leaves one lookup.
export TRIVY_SKIP_VERSION_CHECK=true
export TRIVY_DISABLE_TELEMETRY=true
# Keep trivy's cache with the other scanner state, not in ~/.cache/trivy.
export TRIVY_CACHE_DIR="$ENGRAM_SCANNERS_HOME/trivy"
