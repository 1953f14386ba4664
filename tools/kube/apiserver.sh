#!/usr/bin/env bash
# Runs a real kube-apiserver (with its own etcd) per Kubernetes release, on 127.0.0.1 only.
#
#   tools/kube/apiserver.sh start VERSION       start (or reuse) it; prints the kubeconfig path
#   tools/kube/apiserver.sh stop [VERSION...]   stop it and delete its state (all if none given)
#   tools/kube/apiserver.sh stop-all            stop every started version
#   tools/kube/apiserver.sh kubeconfig VERSION  print the kubeconfig path of a running one
#   tools/kube/apiserver.sh status [VERSION...] pids, ports, resident memory
#
# State of one version (certificates, etcd data, logs, pids, kubeconfig) lives in
# <cache>/kube/state/VERSION (ENGRAM_KUBE_STATE_DIR moves the root); `stop` removes it.
# A missing kube-apiserver binary is built first (tools/kube/build.sh, minutes when cold).
# ENGRAM_KUBE_READY_TIMEOUT bounds the wait for /readyz (default 120 s).
# ENGRAM_KUBE_APISERVER_EXTRA_ARGS adds flags (space-separated); cluster.sh passes what a
# cluster with nodes needs beyond validation.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=kube-apiserver

ready_timeout=${ENGRAM_KUBE_READY_TIMEOUT:-120}
# Virtual addresses only: nothing routes to them while no kube-proxy runs.
service_cidr=${ENGRAM_KUBE_SERVICE_CIDR:-10.96.0.0/16}
first_service_ip=${ENGRAM_KUBE_FIRST_SERVICE_IP:-10.96.0.1}

# owned_pid STATE NAME: the pid in STATE/NAME.pid if the process started there still runs.
owned_pid() { live_pid "$1/$2.pid"; }

# stop_process STATE NAME: SIGTERM, up to 20 s for a clean exit, then SIGKILL.
stop_process() {
  local state=$1 name=$2 pid i
  pid=$(owned_pid "$state" "$name") || return 0
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name ($pid) ignored SIGTERM for 20s: killing it"
  kill -9 "$pid" 2>/dev/null || true
}

port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

curl_admin() {
  local state=$1
  shift
  curl --silent --show-error --max-time 5 --cacert "$state/pki/ca.crt" \
    --cert "$state/pki/admin.crt" --key "$state/pki/admin.key" "$@"
}

is_ready() {
  local version=$1 state
  state=$(kube_state_dir "$version")
  owned_pid "$state" etcd >/dev/null && owned_pid "$state" kube-apiserver >/dev/null &&
    [[ $(curl_admin "$state" "https://127.0.0.1:$(apiserver_port "$version")/readyz" 2>/dev/null) == ok ]]
}

# make_pki STATE: a throwaway CA, the serving certificate, the admin client (group
# system:masters, so RBAC lets it do anything) and the service-account key pair. ECDSA
# P-256 keys: generated in milliseconds, accepted by every component.
make_pki() {
  local pki=$1/pki
  mkdir -p "$pki"
  (
    cd "$pki"
    umask 077
    new_key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
    # sign NAME SUBJECT EXTENSIONS: a one-year certificate for NAME.key, signed by the CA.
    sign() {
      new_key "$1.key"
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
        -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    new_key ca.key
    openssl req -x509 -new -key ca.key -subj "/CN=engram-kube-ca" -days 365 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out ca.crt 2>/dev/null
    # Names an in-cluster client will use once a full cluster runs, beside loopback.
    sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$first_service_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    sign admin "/O=system:masters/CN=engram-admin" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    new_key sa.key
    openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() {
  local version=$1 state=$2
  cat >"$state/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: engram-$version
    cluster:
      server: https://127.0.0.1:$(apiserver_port "$version")
      certificate-authority: $state/pki/ca.crt
users:
  - name: engram-admin
    user:
      client-certificate: $state/pki/admin.crt
      client-key: $state/pki/admin.key
contexts:
  - name: engram-$version
    context:
      cluster: engram-$version
      user: engram-admin
current-context: engram-$version
EOF
}

# fail_start VERSION STATE WHAT: keep the logs where they can be read, then clean up, so
# a failed start leaves neither processes nor a half-made state dir behind.
fail_start() {
  local version=$1 state=$2 what=$3 keep name
  keep=$KUBE_CACHE/logs/failed-start-$version
  rm -rf "$keep"
  mkdir -p "$keep"
  cp "$state"/logs/*.log "$keep/" 2>/dev/null || true
  for name in kube-apiserver etcd; do
    if [[ -f $keep/$name.log ]]; then
      log "last lines of $name.log:"
      tail -n 15 "$keep/$name.log" >&2
    fi
  done
  stop_version "$version"
  die "$version: $what (logs kept in $keep)"
}

# spawn STATE NAME CMD...: run detached (setsid: no terminal and a process group of its
# own, so it outlives this script and whatever ends the caller's group), output to
# STATE/logs/NAME.log, pid and start time to STATE/NAME.pid.
spawn() {
  local state=$1 name=$2
  shift 2
  # The lock is closed for the child: a server holding it would block every later start.
  setsid "$@" </dev/null >"$state/logs/$name.log" 2>&1 {lock_fd}>&- &
  record_spawn "$name" "$state/$name.pid" $!
}

start_version() {
  local version=$1 state bin etcd_bin start i
  state=$(kube_state_dir "$version")
  if is_ready "$version"; then
    log "$version: already running, reusing it"
    printf '%s\n' "$state/kubeconfig"
    return
  fi
  # A state dir without a ready server is what a crash or a kill left: start afresh.
  if [[ -d $state ]]; then
    log "$version: clearing stale state in $state"
    stop_version "$version"
  fi

  bin=$(kube_bin_dir "$version")
  if [[ ! -x $bin/kube-apiserver ]]; then
    ENGRAM_KUBE_COMPONENTS="kube-apiserver kubectl" "$here/build.sh" "$version"
  fi
  etcd_bin=$(etcd_binary)

  local etcd_port peer_port api_port port
  etcd_port=$(etcd_client_port "$version")
  peer_port=$(etcd_peer_port "$version")
  api_port=$(apiserver_port "$version")
  for port in "$etcd_port" "$peer_port" "$api_port"; do
    if port_in_use "$port"; then
      die "$version: port $port on 127.0.0.1 is taken (another release with minor $(kube_minor "$version") running? ENGRAM_KUBE_PORT_BASE moves the ports)"
    fi
  done

  start=$EPOCHREALTIME
  mkdir -p "$state/logs" "$state/etcd"
  chmod 700 "$state" "$state/etcd"
  make_pki "$state"
  write_kubeconfig "$version" "$state"

  spawn "$state" etcd "$etcd_bin" --name=engram --data-dir="$state/etcd" \
    --listen-client-urls="http://127.0.0.1:$etcd_port" \
    --advertise-client-urls="http://127.0.0.1:$etcd_port" \
    --listen-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls="http://127.0.0.1:$peer_port" \
    --initial-cluster="engram=http://127.0.0.1:$peer_port" \
    --logger=zap --log-outputs=stderr
  for ((i = 0; ; i++)); do
    owned_pid "$state" etcd >/dev/null || fail_start "$version" "$state" "etcd exited"
    if curl --silent --max-time 2 "http://127.0.0.1:$etcd_port/health" | grep -q '"health":"true"'; then
      break
    fi
    ((i < 150)) || fail_start "$version" "$state" "etcd not healthy after 30s"
    sleep 0.2
  done

  # PodSecurity is on by default in every supported release; naming it makes a release that
  # dropped it from the defaults fail loudly instead of passing everything. Privileged pods
  # are allowed by the API so that PodSecurity, not the cluster policy, is what rejects
  # them (and kubelet and kube-proxy need them once a full cluster runs). The endpoint
  # reconciler is off because the only address we may advertise is loopback, which the API
  # refuses in the endpoints of the "kubernetes" Service. The admin certificate is also the
  # client certificate for kubelets (logs, exec, port-forward), when a cluster has them.
  local extra_args=()
  read -ra extra_args <<<"${ENGRAM_KUBE_APISERVER_EXTRA_ARGS:-}"
  # shellcheck disable=SC2054 # the commas are inside flag values (Node,RBAC)
  local apiserver=("$bin/kube-apiserver"
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port"
    --etcd-servers="http://127.0.0.1:$etcd_port"
    --cert-dir="$state/pki"
    --client-ca-file="$state/pki/ca.crt"
    --tls-cert-file="$state/pki/apiserver.crt" --tls-private-key-file="$state/pki/apiserver.key"
    --service-account-issuer=https://kubernetes.default.svc.cluster.local
    --service-account-key-file="$state/pki/sa.pub"
    --service-account-signing-key-file="$state/pki/sa.key"
    --service-cluster-ip-range="$service_cidr"
    --authorization-mode=Node,RBAC
    --enable-admission-plugins=NodeRestriction,PodSecurity
    --allow-privileged=true
    --anonymous-auth=false
    --endpoint-reconciler-type=none
    --kubelet-preferred-address-types=Hostname
    --kubelet-client-certificate="$state/pki/admin.crt" --kubelet-client-key="$state/pki/admin.key"
    --profiling=false
    --v=1 "${extra_args[@]}")
  # Rarely (a few runs in many, always while other tests loaded the machine) the apiserver has
  # been seen gone within its first second with nothing in its log; why_gone records how it
  # ended. A start like that is retried once; an apiserver that logged anything is not.
  local attempt gone
  for attempt in 1 2; do
    spawn "$state" kube-apiserver "${apiserver[@]}"
    gone=
    for ((i = 0; ; i++)); do
      if ! owned_pid "$state" kube-apiserver >/dev/null; then
        why_gone kube-apiserver
        gone=$gone_reason
        break
      fi
      if [[ $(curl_admin "$state" "https://127.0.0.1:$api_port/readyz" 2>/dev/null) == ok ]]; then
        break
      fi
      ((i < ready_timeout * 2)) || fail_start "$version" "$state" "not ready after ${ready_timeout}s"
      sleep 0.5
    done
    [[ -n $gone ]] || break
    if ((attempt == 2)) || [[ -s $state/logs/kube-apiserver.log || $gone == *'still runs'* ]]; then
      fail_start "$version" "$state" "kube-apiserver exited ($gone)"
    fi
    log "$version: kube-apiserver ended with an empty log ($gone); starting it once more"
  done
  log "$version: ready on https://127.0.0.1:$api_port in $(since "$start")s (etcd on 127.0.0.1:$etcd_port)"
  printf '%s\n' "$state/kubeconfig"
}

stop_version() {
  local version=$1 state
  state=$(kube_state_dir "$version")
  [[ -d $state ]] || return 0
  # The apiserver first: it would otherwise spend its shutdown retrying a vanished etcd.
  stop_process "$state" kube-apiserver
  stop_process "$state" etcd
  rm -rf "$state"
  log "$version: stopped"
}

# started_versions: every version with a state dir.
started_versions() {
  local d
  for d in "$KUBE_STATE_ROOT"/v*; do
    if [[ -d $d ]]; then printf '%s\n' "${d##*/}"; fi
  done
}

status_version() {
  local version=$1 state name pid rss total=0
  state=$(kube_state_dir "$version")
  if [[ ! -d $state ]]; then
    printf '%s: not started\n' "$version"
    return
  fi
  printf '%s: %s (apiserver 127.0.0.1:%s, etcd 127.0.0.1:%s)\n' "$version" \
    "$(is_ready "$version" && echo ready || echo 'NOT ready')" \
    "$(apiserver_port "$version")" "$(etcd_client_port "$version")"
  for name in kube-apiserver etcd; do
    if pid=$(owned_pid "$state" "$name"); then
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
      total=$((total + rss))
      printf '  %-15s pid %-8s rss %s MiB\n' "$name" "$pid" $((rss / 1024))
    else
      printf '  %-15s not running\n' "$name"
    fi
  done
  printf '  %-15s rss %s MiB\n' total $((total / 1024))
}

# lock_version VERSION: one start or stop of a version at a time, so two validations that
# begin together share one server instead of tearing each other's state down. Held until
# this script exits.
lock_fd=
lock_version() {
  mkdir -p "$KUBE_STATE_ROOT"
  exec {lock_fd}>"$KUBE_STATE_ROOT/.$1.lock"
  flock -w 300 "$lock_fd" || die "$1: another start or stop held the lock for 300s"
}

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
  start)
    [[ $# -eq 1 ]] || usage
    v=$(normalize_version "$1")
    lock_version "$v"
    start_version "$v"
    ;;
  stop | stop-all)
    if [[ $command == stop-all || $# -eq 0 ]]; then
      mapfile -t all < <(started_versions)
      set -- "${all[@]}"
    fi
    for v in "$@"; do
      v=$(normalize_version "$v")
      lock_version "$v"
      stop_version "$v"
    done
    ;;
  kubeconfig)
    [[ $# -eq 1 ]] || usage
    v=$(normalize_version "$1")
    is_ready "$v" || die "$v is not running: tools/kube/apiserver.sh start $v"
    printf '%s\n' "$(kube_state_dir "$v")/kubeconfig"
    ;;
  status)
    if [[ $# -eq 0 ]]; then
      mapfile -t all < <(started_versions)
      set -- "${all[@]}"
      [[ $# -gt 0 ]] || {
        echo "nothing started"
        exit 0
      }
    fi
    for v in "$@"; do status_version "$(normalize_version "$v")"; done
    ;;
  *) usage ;;
esac
