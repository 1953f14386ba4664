# shellcheck shell=bash source-path=SCRIPTDIR
# Helpers shared by the tools/kube scripts. Sourced, never run on its own.

# find_go and GO_BUILD_GOGC.
# shellcheck source=../go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/../go-build.sh"

# The Kubernetes releases we validate against: the newest patch of the newest minor the Go
# module proxy serves, and the newest patch of the minor two releases older, so a manifest
# that only works on the very latest API is caught. Override with ENGRAM_KUBE_VERSIONS.
KUBE_DEFAULT_VERSIONS="v1.37.2 v1.35.4"

# etcd comes from Debian's etcd-server package (3.4.23 on bookworm); ENGRAM_ETCD points at
# another binary if a newer apiserver ever stops accepting it.
KUBE_ETCD_PACKAGE=etcd-server

# The single-node cluster (cluster.sh): one release whose kubelet still runs on cgroup v1
# (these machines are cgroup v1 hybrid; from 1.35 only with failCgroupV1: false), and the
# CoreDNS release that serves its cluster DNS. Read by the scripts that source this file.
# shellcheck disable=SC2034
KUBE_CLUSTER_VERSION=v1.35.4
# shellcheck disable=SC2034
KUBE_CLUSTER_COMPONENTS="kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet kube-proxy"
# shellcheck disable=SC2034
KUBE_COREDNS_VERSION=v1.14.7
# The enforcers of the security tests (build-enforcers.sh): kube-router's firewall as the
# NetworkPolicy controller (v2.1.0 is the newest v2 the Go module proxy serves), Traefik as the
# Ingress controller.
# shellcheck disable=SC2034
KUBE_ROUTER_VERSION=v2.1.0
# shellcheck disable=SC2034
KUBE_TRAEFIK_VERSION=v3.7.13

# Everything built or started lives outside the work tree, so a fresh clone reuses it.
ENGRAM_DEPLOY_CACHE=${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}
KUBE_CACHE=$ENGRAM_DEPLOY_CACHE/kube
# Registries the cluster's containerd pulls from, one hosts.toml directory per host:port, read at
# every pull (tools/registry/oci.sh adds the harness registry's).
# shellcheck disable=SC2034
KUBE_REGISTRY_HOSTS=${ENGRAM_KUBE_REGISTRY_HOSTS:-$KUBE_CACHE/registry-hosts}
# Runtime state (certs, etcd data, logs, pids, kubeconfig) of each started version.
KUBE_STATE_ROOT=${ENGRAM_KUBE_STATE_DIR:-$KUBE_CACHE/state}
# Each version gets a block of 10 ports from this base, chosen by its minor, so two
# versions run side by side and later components (controller-manager, scheduler,
# kubelet) still find free ports inside their version's block.
KUBE_PORT_BASE=${ENGRAM_KUBE_PORT_BASE:-20000}

log() { printf '[%s] %s\n' "${LOG_TAG:-kube}" "$*" >&2; }

die() {
  printf '[%s] ERROR: %s\n' "${LOG_TAG:-kube}" "$*" >&2
  exit 1
}

# since START: elapsed seconds with one decimal (START from $EPOCHREALTIME).
since() { awk -v s="$1" -v e="${EPOCHREALTIME}" 'BEGIN { printf "%.1f", e - s }'; }

# kube_versions [VERSION...]: the versions asked for, or the configured defaults.
kube_versions() {
  local v
  if [[ $# -eq 0 ]]; then
    # Word splitting is the point: the variable holds a space-separated list.
    # shellcheck disable=SC2086
    set -- ${ENGRAM_KUBE_VERSIONS:-$KUBE_DEFAULT_VERSIONS}
  fi
  for v in "$@"; do normalize_version "$v"; done
}

# normalize_version 1.37.2|v1.37.2 -> v1.37.2; anything else is refused early, before a
# half-built cache directory or a port computed from garbage.
normalize_version() {
  local v=${1#v}
  [[ $v =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "not a Kubernetes release: '$1' (want e.g. v1.37.2)"
  printf 'v%s\n' "$v"
}

kube_minor() {
  local v=${1#v}
  v=${v#1.}
  printf '%s\n' "${v%%.*}"
}

# The staging modules (k8s.io/api, k8s.io/client-go, ...) are tagged v0.MINOR.PATCH for
# Kubernetes v1.MINOR.PATCH.
staging_version() { printf 'v0.%s\n' "${1#v1.}"; }

kube_bin_dir() { printf '%s/bin/%s\n' "$KUBE_CACHE" "$1"; }
kube_state_dir() { printf '%s/%s\n' "$KUBE_STATE_ROOT" "$1"; }

# Port layout inside a version's block: +0 etcd clients, +1 etcd peers, +2 kube-apiserver.
# +3.. are kept for the components of a full cluster.
port_base() { printf '%s\n' $((KUBE_PORT_BASE + $(kube_minor "$1") * 10)); }
etcd_client_port() { printf '%s\n' $(($(port_base "$1") + 0)); }
etcd_peer_port() { printf '%s\n' $(($(port_base "$1") + 1)); }
apiserver_port() { printf '%s\n' $(($(port_base "$1") + 2)); }

# kubectl_for VERSION: the kubectl built with that release when there is one, since the
# preinstalled kubectl may be several minors away from the server (outside the supported
# skew); the PATH one otherwise. ENGRAM_KUBECTL forces a binary.
kubectl_for() {
  local built
  built=$(kube_bin_dir "$1")/kubectl
  if [[ -n ${ENGRAM_KUBECTL:-} ]]; then
    printf '%s\n' "$ENGRAM_KUBECTL"
  elif [[ -x $built ]]; then
    printf '%s\n' "$built"
  elif command -v kubectl >/dev/null 2>&1; then
    command -v kubectl
  else
    die "no kubectl: run tools/kube/build.sh $1 (it builds one) or install kubectl"
  fi
}

# etcd_binary: ENGRAM_ETCD, else Debian's etcd (installed on first use when we are root).
etcd_binary() {
  if [[ -n ${ENGRAM_ETCD:-} ]]; then
    [[ -x $ENGRAM_ETCD ]] || die "ENGRAM_ETCD=$ENGRAM_ETCD is not an executable"
    printf '%s\n' "$ENGRAM_ETCD"
    return
  fi
  if ! command -v etcd >/dev/null 2>&1; then
    [[ ${EUID} -eq 0 ]] || die "etcd missing: apt-get install $KUBE_ETCD_PACKAGE (as root) or set ENGRAM_ETCD"
    log "installing $KUBE_ETCD_PACKAGE from Debian"
    # Where an init system runs, the package also starts a system etcd on 2379: ours use
    # their own ports and data dirs, so the two never meet.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$KUBE_ETCD_PACKAGE" >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$KUBE_ETCD_PACKAGE" >&2; }
  fi
  command -v etcd
}

# Processes are supervised by pid and start time, never by their command line: a pid file
# holds "PID START", START being the process's start time in clock ticks since boot (field 22
# of /proc/PID/stat). It is set at fork, survives exec and differs for a reused pid, so a check
# made before, during or after the child's exec gives the same answer.

# start_time PID: prints the start time of a running (not zombie) process.
start_time() {
  local stat fields
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # Fields after the command name, which may hold spaces: state is the first, start time the 20th.
  read -r -a fields <<<"${stat##*) }"
  [[ ${fields[0]:-Z} != [ZX] ]] || return 1
  printf '%s\n' "${fields[19]}"
}

# Pids a script spawned, by name (record_spawn records them): why_gone can then tell an exit
# from a kill.
declare -A spawned_pids=()
gone_reason=

# record_spawn NAME PIDFILE PID: writes the pid file of a process this shell just started.
record_spawn() {
  local start
  start=$(start_time "$3") || start=gone
  printf '%s %s\n' "$3" "$start" >"$2"
  spawned_pids[$1]=$3
}

# live_pid PIDFILE: prints the pid in PIDFILE when that very process still runs.
live_pid() {
  local pid start
  [[ -f $1 ]] || return 1
  read -r pid start <"$1" || true
  [[ $pid =~ ^[0-9]+$ && -n $start ]] || return 1
  [[ $(start_time "$pid") == "$start" ]] || return 1
  printf '%s\n' "$pid"
}

# why_gone NAME: sets gone_reason to what became of a process spawned by this shell that is no
# longer recognised as running.
# shellcheck disable=SC2034 # gone_reason is read by the scripts that source this file
why_gone() {
  local pid=${spawned_pids[$1]:-} status=0
  if [[ -z $pid ]]; then
    gone_reason='not started here'
  elif start_time "$pid" >/dev/null; then
    gone_reason="pid $pid still runs, as: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
  else
    # Gone, or a zombie not reaped yet (its command line is then empty). Not in a subshell:
    # only this shell, the parent, can collect the status.
    wait "$pid" 2>/dev/null || status=$?
    if ((status > 128)); then
      gone_reason="pid $pid was ended by signal $((status - 128))"
    else
      gone_reason="pid $pid exited with status $status"
    fi
  fi
}
