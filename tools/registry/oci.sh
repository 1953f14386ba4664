#!/usr/bin/env bash
# A real OCI registry for the end-to-end tests: the CNCF distribution registry, built from its Go
# module, on 127.0.0.1 with TLS (a CA of its own) and basic auth (htpasswd, bcrypt).
#
#   tools/registry/oci.sh build      build the registry into the cache (idempotent: a cached binary costs nothing)
#   tools/registry/oci.sh start      start it (or reuse the running one); prints address, CA, user, password file, log
#   tools/registry/oci.sh stop       stop it and remove the trust it gave Docker and containerd
#   tools/registry/oci.sh address    host:port of the running registry
#
# start makes Docker (/etc/docker/certs.d/HOST/ca.crt) and the cluster's containerd (a hosts.toml in
# KUBE_REGISTRY_HOSTS, lib.sh) trust the CA; helm is given it with --ca-file. containerd and helm
# verify the certificate. Docker does not on 127.0.0.1: it counts 127.0.0.0/8 as an insecure
# registry whatever daemon.json says, and skips verification there (its ca.crt is what an operator
# writes, and takes effect on any other address).
# Every start begins with an empty storage. ENGRAM_OCI_REGISTRY_PORT moves the port (default
# 25443), ENGRAM_OCI_REGISTRY_VERSION picks another release.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../kube/lib.sh
source "$here/../kube/lib.sh"
export LOG_TAG=oci-registry

# The newest release `go list -m -versions github.com/distribution/distribution/v3` shows.
OCI_REGISTRY_VERSION=v3.1.2
version=${ENGRAM_OCI_REGISTRY_VERSION:-$OCI_REGISTRY_VERSION}
module=github.com/distribution/distribution/v3
root=$ENGRAM_DEPLOY_CACHE/registry/oci
bin=$root/bin/registry-$version
state=$root/state
port=${ENGRAM_OCI_REGISTRY_PORT:-25443}
address=127.0.0.1:$port
username=engram
docker_trust=${ENGRAM_DOCKER_CERTS_DIR:-/etc/docker/certs.d}/$address
containerd_trust=$KUBE_REGISTRY_HOSTS/$address

# A subshell: the build lock ends with it, never inherited by the registry.
build() (
  local logfile=$root/logs/build-registry-$version.log start=$EPOCHREALTIME go_bin tmp
  if [[ -x $bin/registry ]]; then
    log "registry $version: cached ($bin/registry)"
    return 0
  fi
  go_bin=$(find_go)
  mkdir -p "$root/logs" "$root/tmp"
  exec {build_lock}>"$root/.build.lock"
  flock -w 3600 "$build_lock" || die "another build held $root/.build.lock for an hour"
  [[ ! -x $bin/registry ]] || return 0
  tmp=$(mktemp -d "$root/tmp/registry-$version.XXXXXX")
  log "registry $version: building (log: $logfile)"
  # The module has no replace directives, so `go install` builds it as released; the ldflags are
  # those of its own Makefile.
  if ! CGO_ENABLED=0 GOBIN=$tmp GOCACHE=$root/go-build GOGC=$GO_BUILD_GOGC timeout 3600 nice -n 10 "$go_bin" install -trimpath \
    -ldflags "-s -w -X $module/version.version=$version -X $module/version.mainpkg=$module" \
    "$module/cmd/registry@$version" >"$logfile" 2>&1; then
    rm -rf "$tmp"
    tail -n 25 "$logfile" >&2
    die "registry $version: build failed; full log: $logfile"
  fi
  "$tmp/registry" --version >>"$logfile"
  mkdir -p "$bin"
  mv -f "$tmp/registry" "$bin/registry"
  rm -rf "$tmp"
  printf 'module %s@%s\ngo %s\nbuild seconds %s\n' "$module" "$version" \
    "$("$go_bin" env GOVERSION)" "$(since "$start")" >"$bin/BUILD-INFO"
  log "registry $version: built in $(since "$start")s"
)

# certificates: a CA and a server certificate for 127.0.0.1, kept while they have a day left.
certificates() {
  local pki=$state/pki
  mkdir -p "$pki"
  chmod 700 "$pki"
  if [[ -f $pki/server.crt ]] && openssl x509 -checkend 86400 -noout -in "$pki/ca.crt" >/dev/null 2>&1 &&
    openssl x509 -checkend 86400 -noout -in "$pki/server.crt" >/dev/null 2>&1; then
    return 0
  fi
  log "creating the CA and the server certificate in $pki"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=engram harness registry CA" -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
  openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 30 -out "$pki/server.crt" -extfile <(printf '%s\n' \
      'subjectAltName=IP:127.0.0.1' 'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth') 2>/dev/null
  rm -f "$pki/server.csr"
}

# credentials: one user with a random password, its bcrypt hash (libcrypt's, through perl) in htpasswd.
credentials() {
  local password salt hash bcrypt='^[$]2b[$]10[$][./A-Za-z0-9]{53}$'
  password=$(openssl rand -hex 24)
  # 22 characters of bcrypt's alphabet (./A-Za-z0-9) make the salt.
  salt=$(openssl rand -base64 24 | tr '+' '.' | cut -c1-22)
  # Cost 10, bcrypt's default: the registry checks the hash on every request of a push.
  hash=$(PASSWORD=$password SALT=$salt perl -e 'print crypt($ENV{PASSWORD}, "\$2b\$10\$$ENV{SALT}")')
  [[ $hash =~ $bcrypt ]] || die "this system's crypt() made no bcrypt hash (got '$hash')"
  (
    umask 077
    printf '%s:%s\n' "$username" "$hash" >"$state/htpasswd"
    printf '%s\n' "$password" >"$state/password"
  )
}

write_config() {
  cat >"$state/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
auth:
  htpasswd:
    realm: engram-harness
    path: $state/htpasswd
http:
  addr: $address
  secret: $(openssl rand -hex 16)
  tls:
    certificate: $state/pki/server.crt
    key: $state/pki/server.key
EOF
  chmod 600 "$state/config.yml"
}

# trust: Docker and the cluster's containerd trust the CA for this host and port.
trust() {
  mkdir -p "$docker_trust" "$containerd_trust"
  cp "$state/pki/ca.crt" "$docker_trust/ca.crt"
  cp "$state/pki/ca.crt" "$containerd_trust/ca.crt"
  # Without a hosts.toml, containerd speaks plain HTTP to a registry on 127.0.0.1 and skips TLS
  # verification. containerd 1.6 wants a [host] table; `server` is its fallback, verified alike.
  cat >"$containerd_trust/hosts.toml" <<EOF
server = "https://$address"
ca = "$containerd_trust/ca.crt"

[host."https://$address"]
  capabilities = ["pull", "resolve"]
  ca = "$containerd_trust/ca.crt"
EOF
}

untrust() {
  rm -rf "$docker_trust" "$containerd_trust"
}

answers() {
  curl -fsS --max-time 2 --cacert "$state/pki/ca.crt" -u "$username:$(<"$state/password")" \
    -o /dev/null "https://$address/v2/"
}

report() {
  printf 'address=%s\nca=%s\nusername=%s\npassword_file=%s\nlog=%s\n' \
    "$address" "$state/pki/ca.crt" "$username" "$state/password" "$state/registry.log"
}

start() {
  local pid i start=$EPOCHREALTIME
  build
  if live_pid "$state/registry.pid" >/dev/null && answers; then
    log "already running on $address, reusing it"
    trust
    report
    return 0
  fi
  stop
  if ss -Hltn "sport = :$port" | grep -q .; then
    die "port $port is taken (ENGRAM_OCI_REGISTRY_PORT moves the registry)"
  fi
  mkdir -p "$state"
  chmod 700 "$state"
  rm -rf "$state/data"
  certificates
  credentials
  write_config
  trust
  # Tracing stays off: no collector listens here.
  OTEL_TRACES_EXPORTER=none setsid "$bin/registry" serve "$state/config.yml" \
    </dev/null >"$state/registry.log" 2>&1 {lock_fd}>&- &
  record_spawn registry "$state/registry.pid" $!
  for ((i = 0; i < 60; i++)); do
    if ! pid=$(live_pid "$state/registry.pid"); then
      why_gone registry
      tail -n 20 "$state/registry.log" >&2
      die "the registry is gone ($gone_reason); log: $state/registry.log"
    fi
    if answers 2>/dev/null; then
      log "registry $version on https://$address (pid $pid) answers in $(since "$start")s"
      report
      return 0
    fi
    sleep 0.5
  done
  tail -n 20 "$state/registry.log" >&2
  stop
  die "the registry did not answer on https://$address within 30s"
}

stop() {
  local pid i
  untrust
  pid=$(live_pid "$state/registry.pid") || return 0
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "registry ($pid) ignored SIGTERM for 10s: killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$state/registry.pid"
  log "stopped"
}

case ${1:-} in
  build) build ;;
  start)
    mkdir -p "$root"
    exec {lock_fd}>"$root/.lock"
    flock -w 600 "$lock_fd" || die "another start or stop held $root/.lock for 600s"
    start
    ;;
  stop)
    mkdir -p "$root"
    exec {lock_fd}>"$root/.lock"
    flock -w 600 "$lock_fd" || die "another start or stop held $root/.lock for 600s"
    stop
    ;;
  address)
    live_pid "$state/registry.pid" >/dev/null || die "the registry is not running: tools/registry/oci.sh start"
    printf '%s\n' "$address"
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
