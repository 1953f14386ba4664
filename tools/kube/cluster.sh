#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, for the end-to-end tests: etcd and
# kube-apiserver (apiserver.sh, with the flags a cluster needs), kube-controller-manager,
# kube-scheduler, a containerd of its own, CNI bridge networking, kubelet, kube-proxy and
# CoreDNS, everything bound to 127.0.0.1 (CoreDNS and the pods to a bridge of their own).
#
#   tools/kube/cluster.sh prepare            build or install the binaries start needs (cached);
#                                            tools/kube/images.sh builds its images
#   tools/kube/cluster.sh start              start (or reuse) it; prints the kubeconfig path
#   tools/kube/cluster.sh stop               stop it and leave the machine as it was
#   tools/kube/cluster.sh status             components, pids, memory, node
#   tools/kube/cluster.sh kubeconfig         the kubeconfig path of the running cluster
#   tools/kube/cluster.sh import IMAGE...    copy images from the Docker engine into the node
#   tools/kube/cluster.sh enforce            start kube-router's firewall: NetworkPolicies enforced
#   tools/kube/cluster.sh ingress            start Traefik, the Ingress controller; prints its ports
#
# State lives in <cache>/kube/cluster (ENGRAM_KUBE_CLUSTER_STATE_DIR), apart from the
# validation apiservers, and the ports in a block of its own (ENGRAM_KUBE_CLUSTER_PORT_BASE,
# default 21000 + 10 x minor), so `apiserver.sh stop-all` never touches the cluster.
# ENGRAM_KUBE_NODE_READY_TIMEOUT bounds the wait for the node (default 180 s).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Set before lib.sh computes the state root and the port base from them.
export ENGRAM_KUBE_STATE_DIR=${ENGRAM_KUBE_CLUSTER_STATE_DIR:-${ENGRAM_DEPLOY_CACHE:-$HOME/.cache/engram-deploy}/kube/cluster}
export ENGRAM_KUBE_PORT_BASE=${ENGRAM_KUBE_CLUSTER_PORT_BASE:-21000}
# shellcheck source=lib.sh
source "$here/lib.sh"
export LOG_TAG=kube-cluster

version=$(normalize_version "${ENGRAM_KUBE_CLUSTER_VERSION:-$KUBE_CLUSTER_VERSION}")
state=$(kube_state_dir "$version")
# The node's side (containerd, kubelet, volumes) sits beside the apiserver's state dir, not
# in it: apiserver.sh deletes its dir recursively, which must never walk into a mount.
node=$KUBE_STATE_ROOT/node
bin=$(kube_bin_dir "$version")
coredns_bin=$KUBE_CACHE/bin/coredns-$KUBE_COREDNS_VERSION/coredns
kube_router_bin=$KUBE_CACHE/bin/kube-router-$KUBE_ROUTER_VERSION/kube-router
traefik_bin=$KUBE_CACHE/bin/traefik-$KUBE_TRAEFIK_VERSION/traefik
traefik_crds=$KUBE_CACHE/bin/traefik-$KUBE_TRAEFIK_VERSION/crds.yaml
node_ready_timeout=${ENGRAM_KUBE_NODE_READY_TIMEOUT:-180}
base=$(port_base "$version")
kcm_port=$((base + 3))
scheduler_port=$((base + 4))
kubelet_port=$((base + 5))
kubelet_healthz_port=$((base + 6))
proxy_healthz_port=$((base + 7))
proxy_metrics_port=$((base + 8))
coredns_ready_port=$((base + 9))
# Traefik's entry points (plain HTTP, HTTPS, ping), in a block of their own above the cluster's.
ingress_base=${ENGRAM_KUBE_INGRESS_PORT_BASE:-$((base + 500))}
ingress_web_port=$ingress_base
ingress_websecure_port=$((ingress_base + 1))
ingress_ping_port=$((ingress_base + 2))
# Pods live on a bridge of their own; its gateway address is also where CoreDNS answers.
bridge=engram-cni0
pod_cidr=${ENGRAM_KUBE_POD_CIDR:-10.244.0.0/24}
bridge_ip=${pod_cidr%.*}.1
service_cidr=10.96.0.0/16
pause_image=localhost/pause:3.10.1
pv_count=${ENGRAM_KUBE_PV_COUNT:-8}
# Everything a kubelet, kube-proxy or CNI plugin may change on the host, restored by stop.
sysctls=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/ipv4/ip_forward
  net/ipv4/conf/all/route_localnet net/bridge/bridge-nf-call-iptables)
host_snapshot=$KUBE_STATE_ROOT/host-before-start
# ipset: kube-router keeps the pods a NetworkPolicy selects in ipsets.
apt_packages=(containernetworking-plugins conntrack ipset)
cni_bin_dir=/usr/lib/cni
ctr_cmd=(ctr --address "$node/containerd/containerd.sock" --namespace k8s.io)

kubectl_admin() { "$bin/kubectl" --kubeconfig "$state/kubeconfig" "$@"; }

# owned_pid NAME: the pid in NAME.pid (node dir, or the apiserver's state dir) if the process
# started there still runs.
owned_pid() { live_pid "$node/$1.pid" || live_pid "$state/$1.pid"; }

stop_process() {
  local name=$1 pid i
  pid=$(owned_pid "$name") || return 0
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name ($pid) ignored SIGTERM for 20s: killing it"
  kill -9 "$pid" 2>/dev/null || true
}

# The commands this invocation spawned, quoted by name (a component that vanished at once is
# started once more), and those it started again.
declare -A spawned_commands=() respawned=()

# spawn NAME CMD...: detached (own session, outlives this script), logs to node/logs.
spawn() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$node/logs/$name.log" 2>&1 {lock_fd}>&- &
  record_spawn "$name" "$node/$name.pid" $!
  spawned_commands[$name]=$(printf '%q ' "$@")
}

fail_start() {
  local keep=$KUBE_CACHE/logs/failed-cluster-start name
  rm -rf "$keep"
  mkdir -p "$keep"
  cp "$node"/logs/*.log "$state"/logs/*.log "$keep/" 2>/dev/null || true
  for name in containerd kubelet kube-controller-manager kube-scheduler kube-proxy coredns kube-apiserver; do
    if [[ -f $keep/$name.log ]]; then
      log "last lines of $name.log:"
      tail -n 12 "$keep/$name.log" >&2
    fi
  done
  stop_cluster
  die "$1 (logs kept in $keep)"
}

# wait_until SECONDS WHAT CMD...: poll CMD every half second; a dead component fails fast.
wait_until() {
  local limit=$1 what=$2 i
  shift 2
  for ((i = 0; i < limit * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  fail_start "$what: not ready after ${limit}s"
}

# ---------------------------------------------------------------- prepare

prepare() {
  local missing=() p
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    [[ $EUID -eq 0 ]] || die "missing ${missing[*]}: apt-get install them as root"
    log "installing ${missing[*]} from Debian"
    # The lock timeout: the Docker harness may be installing its own packages at the same time.
    local apt=(apt-get -o DPkg::Lock::Timeout=600)
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >&2 ||
      { "${apt[@]}" update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >&2; }
  fi
  if ! command -v containerd >/dev/null || ! command -v runc >/dev/null; then
    die "containerd and runc are missing: tools/docker/ensure.sh installs them with docker.io"
  fi
  ENGRAM_KUBE_COMPONENTS="$KUBE_CLUSTER_COMPONENTS" "$here/build.sh" "$version"
  "$here/build-coredns.sh"
  "$here/build-enforcers.sh"
}

# ---------------------------------------------------------------- start

# client_cert NAME SUBJECT: a client certificate from the cluster CA, and a kubeconfig.
client_cert() {
  local name=$1 subject=$2 pki=$state/pki
  (
    cd "$pki"
    umask 077
    openssl ecparam -name prime256v1 -genkey -noout -out "$name.key" 2>/dev/null
    openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 \
      -extfile "$name.ext" -out "$name.crt" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
  )
  cat >"$node/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: engram
    cluster:
      server: https://127.0.0.1:$(apiserver_port "$version")
      certificate-authority: $pki/ca.crt
users:
  - name: $name
    user:
      client-certificate: $pki/$name.crt
      client-key: $pki/$name.key
contexts:
  - name: engram
    context:
      cluster: engram
      user: $name
current-context: engram
EOF
}

# The node name must resolve to 127.0.0.1: the apiserver reaches the kubelet by host name
# (--kubelet-preferred-address-types=Hostname), and the kubelet refuses a loopback node IP.
node_name() {
  local host
  host=$(hostname)
  if [[ $(getent ahostsv4 "$host" 2>/dev/null | awk 'NR == 1 { print $1 }') == 127.0.0.1 ]]; then
    printf '%s\n' "$host"
  else
    printf 'localhost\n'
  fi
}

snapshot_host() {
  # A snapshot left by a start that never stopped still describes the machine before it.
  [[ -f $host_snapshot ]] && return 0
  local s
  {
    for s in "${sysctls[@]}"; do
      if [[ -r /proc/sys/$s ]]; then printf 'sysctl %s %s\n' "$s" "$(<"/proc/sys/$s")"; fi
    done
    if [[ -e /var/log/containers ]]; then echo 'existed /var/log/containers'; fi
    if [[ -e /var/lib/cni ]]; then echo 'existed /var/lib/cni'; fi
    # The kubelet puts its device-plugin socket there whatever its --root-dir.
    if [[ -e /var/lib/kubelet ]]; then echo 'existed /var/lib/kubelet'; fi
    if [[ -e /var/run/netns ]]; then echo 'existed /var/run/netns'; fi
    ip netns list 2>/dev/null | awk '{ print "netns", $1 }'
  } >"$host_snapshot.tmp"
  mv "$host_snapshot.tmp" "$host_snapshot"
}

write_containerd_config() {
  mkdir -p "$node/containerd" "$node/cni/net.d" "$node/cni/ipam"
  # restrict_oom_score_adj: this VM withholds CAP_SYS_RESOURCE, so runc could not lower
  # oom_score_adj and every sandbox would fail. The opt plugin would otherwise create
  # /opt/containerd.
  cat >"$node/containerd/config.toml" <<EOF
version = 2
root = "$node/containerd/root"
state = "$node/containerd/state"
disabled_plugins = ["io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$node/containerd/containerd.sock"

[ttrpc]
  address = "$node/containerd/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$node/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin_dir"
    conf_dir = "$node/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$KUBE_REGISTRY_HOSTS"
EOF
  # No masquerade: pods talk to each other and to the host, never out. The firewall plugin
  # lets pod traffic through the FORWARD chain, whose policy Docker sets to DROP.
  cat >"$node/cni/net.d/10-engram.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "engram",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$node/cni/ipam",
        "ranges": [[{ "subnet": "$pod_cidr", "gateway": "$bridge_ip" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "firewall", "backend": "iptables" }
  ]
}
EOF
}

write_kubelet_config() {
  local name=$1
  # An empty resolv.conf: pods get the cluster DNS and its search path, not the host's.
  : >"$node/resolv.conf"
  # cgroupfs because no systemd runs; failCgroupV1 false because these machines are cgroup
  # v1; eviction thresholds low so a full build disk does not evict the database under test.
  cat >"$node/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: false
  x509:
    clientCAFile: $state/pki/ca.crt
authorization:
  mode: AlwaysAllow
cgroupDriver: cgroupfs
failCgroupV1: false
containerRuntimeEndpoint: unix://$node/containerd/containerd.sock
clusterDomain: cluster.local
clusterDNS:
  - $bridge_ip
resolvConf: $node/resolv.conf
failSwapOn: false
podLogsDir: $node/pod-logs
serializeImagePulls: false
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
rotateCertificates: false
serverTLSBootstrap: false
EOF
}

write_proxy_config() {
  local name=$1
  # Zero conntrack settings: kube-proxy then leaves the host's sysctls as they are. Node
  # ports only on the pods' bridge, so nothing new listens on the machine's addresses.
  cat >"$node/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $name
clusterCIDR: $pod_cidr
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$proxy_healthz_port
metricsBindAddress: 127.0.0.1:$proxy_metrics_port
nodePortAddresses:
  - $bridge_ip/32
clientConnection:
  kubeconfig: $node/kube-proxy.kubeconfig
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
}

write_corefile() {
  cat >"$node/Corefile" <<EOF
cluster.local:53 {
  bind $bridge_ip
  ready 127.0.0.1:$coredns_ready_port
  errors
  cache 5
  kubernetes cluster.local {
    kubeconfig $node/coredns.kubeconfig engram
    pods insecure
  }
}
EOF
}

# storage_objects NODE: the default StorageClass (no provisioner: volumes are pre-created,
# bound when the pod is scheduled), "fast-ssd" for the seed's test values, and local
# volumes owned by the Engram user.
storage_objects() {
  local name=$1 i class
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: engram-local
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast-ssd
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
  for ((i = 1; i <= pv_count; i++)); do
    class=engram-local
    if ((i > pv_count - 2)); then class=fast-ssd; fi
    install -d -m 0770 -o 65534 -g 65534 "$node/volumes/pv$i"
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: engram-local-pv$i
spec:
  capacity:
    storage: 100Gi
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $class
  local:
    path: $node/volumes/pv$i
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - key: kubernetes.io/hostname
              operator: In
              values: [$name]
EOF
  done
}

node_ready() {
  [[ $(kubectl_admin get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

cluster_running() {
  local c
  for c in kube-apiserver etcd containerd kubelet kube-controller-manager kube-scheduler kube-proxy coredns; do
    owned_pid "$c" >/dev/null || return 1
  done
  [[ -f $node/node-name ]] && node_ready "$(<"$node/node-name")"
}

import_images() {
  local image
  for image in "$@"; do
    docker image inspect "$image" >/dev/null 2>&1 || die "no image $image in the Docker engine"
    # Streamed: docker save writes a docker archive that ctr unpacks into the CRI's
    # snapshotter under the same name (localhost/... stays localhost/...).
    docker save "$image" | "${ctr_cmd[@]}" images import --snapshotter overlayfs - >/dev/null ||
      die "importing $image into the node failed"
    log "imported $image"
  done
}

start_cluster() {
  local start name
  if [[ -d $node ]] && cluster_running; then
    log "already running, reusing it"
    printf '%s\n' "$state/kubeconfig"
    return
  fi
  if [[ -d $node || -d $state ]]; then
    log "clearing what an earlier start left"
    stop_cluster
  fi
  prepare
  # The images come from the Docker engine (tools/docker/ensure.sh must have run).
  "$here/images.sh" >/dev/null
  for port in $((base)) $((base + 1)) $((base + 2)) "$kcm_port" "$scheduler_port" "$kubelet_port" \
    "$kubelet_healthz_port" "$proxy_healthz_port" "$proxy_metrics_port" "$coredns_ready_port"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      die "port $port is taken (ENGRAM_KUBE_CLUSTER_PORT_BASE moves the cluster's ports)"
    fi
  done
  if ip link show "$bridge" >/dev/null 2>&1; then die "a network interface $bridge exists already"; fi

  start=$EPOCHREALTIME
  snapshot_host
  mkdir -p "$node/logs" "$node/kubelet" "$node/pod-logs" "$node/volumes"
  chmod 700 "$node"
  # The node directory holds the volumes handed to pods running as 65534: let it through.
  chmod 711 "$node" "$KUBE_STATE_ROOT"
  name=$(node_name)
  printf '%s\n' "$name" >"$node/node-name"

  # Without our lock: etcd and the apiserver would inherit it and hold it for their life.
  "$here/apiserver.sh" start "$version" >/dev/null {lock_fd}>&- || fail_start "kube-apiserver did not start"

  client_cert kube-controller-manager "/CN=system:kube-controller-manager"
  client_cert kube-scheduler "/CN=system:kube-scheduler"
  client_cert kubelet "/O=system:nodes/CN=system:node:$name"
  client_cert kube-proxy "/CN=system:kube-proxy"
  # CoreDNS reads Services, EndpointSlices, Pods and Namespaces, and nothing else.
  client_cert coredns "/O=engram:coredns/CN=engram:coredns"
  kubectl_admin apply -f - >/dev/null <<EOF || fail_start "could not grant CoreDNS its reads"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: engram:coredns
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: engram:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: engram:coredns
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: engram:coredns
EOF

  # The bridge exists before any pod, so CoreDNS can bind its address; the CNI bridge
  # plugin adopts it as it is.
  ip link add "$bridge" type bridge
  ip addr add "$bridge_ip/${pod_cidr#*/}" dev "$bridge"
  ip link set "$bridge" up

  write_containerd_config
  spawn containerd containerd --config "$node/containerd/config.toml"
  wait_until 30 containerd "${ctr_cmd[@]}" version
  import_images "$pause_image" localhost/engram-test-client:trixie

  spawn kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$node/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig="$node/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig="$node/kube-controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$kcm_port" \
    --service-account-private-key-file="$state/pki/sa.key" --root-ca-file="$state/pki/ca.crt" \
    --use-service-account-credentials=true --leader-elect=false \
    --service-cluster-ip-range="$service_cidr" --cluster-name=engram \
    --cert-dir="$node/kcm-certs" --profiling=false --v=1
  spawn kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$node/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$node/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$node/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$scheduler_port" --leader-elect=false \
    --cert-dir="$node/scheduler-certs" --profiling=false --v=1

  write_kubelet_config "$name"
  spawn kubelet "$bin/kubelet" --config="$node/kubelet.yaml" \
    --kubeconfig="$node/kubelet.kubeconfig" --hostname-override="$name" \
    --root-dir="$node/kubelet" --cert-dir="$node/kubelet/pki" --v=1
  write_proxy_config "$name"
  spawn kube-proxy "$bin/kube-proxy" --config="$node/kube-proxy.yaml" --v=1
  write_corefile
  spawn coredns "$coredns_bin" -conf "$node/Corefile"

  local i gone
  for ((i = 0; ; i++)); do
    for c in containerd kubelet kube-controller-manager kube-scheduler kube-proxy coredns; do
      owned_pid "$c" >/dev/null && continue
      # Rarely a component (as the apiserver, see apiserver.sh) is gone within its first second
      # with nothing in its log: start such a one once more, and fail on anything else.
      why_gone "$c"
      gone=$gone_reason
      if [[ -n ${respawned[$c]:-} || -s $node/logs/$c.log || $gone == *'still runs'* ]]; then
        fail_start "$c exited ($gone)"
      fi
      respawned[$c]=1
      log "$c ended with an empty log ($gone); starting it once more"
      eval "spawn $c ${spawned_commands[$c]}"
    done
    if node_ready "$name"; then break; fi
    ((i < node_ready_timeout * 2)) || fail_start "node $name not Ready after ${node_ready_timeout}s"
    sleep 0.5
  done
  local ready_after
  ready_after=$(since "$start")
  storage_objects "$name" | kubectl_admin apply -f - >/dev/null || fail_start "could not create the storage"
  wait_until 30 "CoreDNS" curl -fsS --max-time 2 "http://127.0.0.1:$coredns_ready_port/ready"
  printf 'node_ready_seconds=%s\n' "$ready_after" >"$node/figures"
  log "node $name Ready ${ready_after}s after start; storage and DNS in $(since "$start")s (kubeconfig $state/kubeconfig)"
  printf '%s\n' "$state/kubeconfig"
}

# ---------------------------------------------------------------- stop

# remove_chains CMD: the chains kube-proxy, the kubelet and the CNI firewall plugin add
# (KUBE-*, CNI-*), and every rule in a built-in chain that jumps to one; Docker's stay.
remove_chains() {
  local cmd=$1 table chain i
  local rules=()
  command -v "$cmd" >/dev/null || return 0
  for table in filter nat mangle; do
    "$cmd" -t "$table" -S >/dev/null 2>&1 || continue
    # By rule number, from the last: a rule's text (quoted comments) does not survive a
    # round trip through the shell.
    for chain in INPUT OUTPUT FORWARD PREROUTING POSTROUTING; do
      mapfile -t rules < <("$cmd" -t "$table" -S "$chain" 2>/dev/null | tail -n +2)
      for ((i = ${#rules[@]}; i >= 1; i--)); do
        if [[ ${rules[i - 1]} =~ -j\ (KUBE|CNI)- ]]; then "$cmd" -t "$table" -D "$chain" "$i" || true; fi
      done
    done
    for chain in $("$cmd" -t "$table" -S | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ { print $2 }'); do
      "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $("$cmd" -t "$table" -S | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ { print $2 }'); do
      "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
}

# The sets kube-router keeps (KUBE-SRC-..., KUBE-DST-...), once no rule refers to them.
remove_ipsets() {
  local set
  command -v ipset >/dev/null || return 0
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE|kube-router)-' || true); do
    ipset destroy "$set" 2>/dev/null || log "could not destroy ipset $set"
  done
}

# The kubelet creates kubepods (and its QoS children) in every cgroup v1 hierarchy.
remove_cgroups() {
  local dir
  for dir in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $dir ]] || continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ ! -d $dir ]] || log "could not remove $dir (processes left in it?)"
  done
}

unmount_under() {
  local mnt
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v root="$1/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

stop_cluster() {
  local pid c
  # Nothing of ours is there: leave the machine alone (no chain or cgroup is touched).
  if [[ ! -d $node && ! -d $state && ! -f $host_snapshot ]]; then
    log "not running"
    return 0
  fi
  # Stopping the controllers first means nothing recreates the pods deleted below.
  stop_process traefik
  stop_process kube-router
  stop_process coredns
  stop_process kube-controller-manager
  stop_process kube-scheduler
  # The kubelet tears pods down properly (CNI DEL releases addresses and firewall rules).
  if owned_pid kubelet >/dev/null && owned_pid kube-apiserver >/dev/null; then
    kubectl_admin delete pods --all --all-namespaces --grace-period=5 --timeout=60s --wait=true >/dev/null 2>&1 || true
  fi
  stop_process kube-proxy
  stop_process kubelet
  # What the kubelet did not get to: every task and container of the node's containerd.
  if owned_pid containerd >/dev/null; then
    for c in $("${ctr_cmd[@]}" tasks list -q 2>/dev/null); do
      "${ctr_cmd[@]}" tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    done
    sleep 1
    for c in $("${ctr_cmd[@]}" tasks list -q 2>/dev/null); do
      "${ctr_cmd[@]}" tasks delete -f "$c" >/dev/null 2>&1 || true
    done
    for c in $("${ctr_cmd[@]}" containers list -q 2>/dev/null); do
      "${ctr_cmd[@]}" containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  stop_process containerd
  # Shims outlive containerd by design; ours name our socket on their command line.
  for pid in $(pgrep -f "containerd-shim.*$node/containerd" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  "$here/apiserver.sh" stop "$version" >/dev/null 2>&1 || true

  if [[ -d $node ]]; then unmount_under "$node"; fi
  remove_cgroups
  if ip link show "$bridge" >/dev/null 2>&1; then ip link delete "$bridge" || true; fi
  remove_chains iptables
  remove_chains ip6tables
  remove_ipsets
  restore_host
  if [[ -d $node ]]; then rm -rf --one-file-system "$node"; fi
  rm -rf "${state:?}"
  log "stopped"
}

restore_host() {
  local kind a b ns
  [[ -f $host_snapshot ]] || return 0
  declare -A existed=() netns_before=()
  while read -r kind a b; do
    case $kind in
      sysctl) [[ $(<"/proc/sys/$a") == "$b" ]] || printf '%s\n' "$b" >"/proc/sys/$a" || log "could not restore $a" ;;
      existed) existed[$a]=1 ;;
      netns) netns_before[$a]=1 ;;
    esac
  done <"$host_snapshot"
  # Pod network namespaces the CRI made (cni-...) and left behind.
  for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
    if [[ -z ${netns_before[$ns]:-} && $ns == cni-* ]]; then ip netns delete "$ns" 2>/dev/null || true; fi
  done
  if [[ -z ${existed["/var/log/containers"]:-} ]]; then rm -rf /var/log/containers; fi
  if [[ -z ${existed["/var/lib/cni"]:-} ]]; then rm -rf /var/lib/cni; fi
  if [[ -z ${existed["/var/lib/kubelet"]:-} ]]; then rm -rf --one-file-system /var/lib/kubelet; fi
  if [[ -z ${existed["/var/run/netns"]:-} && -d /var/run/netns ]] && [[ -z $(ls -A /var/run/netns) ]]; then
    umount /var/run/netns 2>/dev/null || true
    rmdir /var/run/netns 2>/dev/null || true
  fi
  rm -f "$host_snapshot"
}

# ---------------------------------------------------------------- enforcers

# Both run as host processes beside the other components and stop with the cluster. Traffic from
# the node itself (kubelet probes, port-forward, Traefik) is admitted by kube-router, as by every
# NetworkPolicy controller; traffic between pods goes through its rules.

enforce() {
  cluster_running || die "the cluster is not running: tools/kube/cluster.sh start"
  [[ -x $kube_router_bin ]] || die "no kube-router: tools/kube/build-enforcers.sh kube-router"
  if owned_pid kube-router >/dev/null; then
    log "kube-router already enforces NetworkPolicies"
    return
  fi
  local name i start=$EPOCHREALTIME
  name=$(<"$node/node-name")
  client_cert kube-router "/O=engram:kube-router/CN=engram:kube-router"
  kubectl_admin apply -f - >/dev/null <<EOF || die "could not grant kube-router its reads"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: engram:kube-router
rules:
  - apiGroups: [""]
    resources: [namespaces, pods, services, nodes, endpoints]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [networkpolicies]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: engram:kube-router
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: engram:kube-router
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: engram:kube-router
EOF
  spawn kube-router "$kube_router_bin" --kubeconfig="$node/kube-router.kubeconfig" \
    --hostname-override="$name" --run-firewall=true --run-router=false --run-service-proxy=false \
    --enable-cni=false --health-port=0 --metrics-port=0 --service-cluster-ip-range="$service_cidr" \
    --iptables-sync-period=15s --v=1
  # Ready once its first full sync has put the jump to its pod firewall into FORWARD.
  for ((i = 0; i < 120; i++)); do
    owned_pid kube-router >/dev/null || {
      tail -n 20 "$node/logs/kube-router.log" >&2
      die "kube-router exited"
    }
    if iptables -S FORWARD 2>/dev/null | grep -q -- '-j KUBE-ROUTER-FORWARD'; then
      log "kube-router enforces NetworkPolicies on node $name (ready in $(since "$start")s)"
      return
    fi
    sleep 0.5
  done
  tail -n 20 "$node/logs/kube-router.log" >&2
  die "kube-router did not program its firewall within 60s"
}

ingress() {
  cluster_running || die "the cluster is not running: tools/kube/cluster.sh start"
  [[ -x $traefik_bin && -s $traefik_crds ]] || die "no traefik: tools/kube/build-enforcers.sh traefik"
  if ! owned_pid traefik >/dev/null; then
    local start=$EPOCHREALTIME port token i
    for port in "$ingress_web_port" "$ingress_websecure_port" "$ingress_ping_port"; do
      if ss -Hltn "sport = :$port" | grep -q .; then
        die "port $port is taken (ENGRAM_KUBE_INGRESS_PORT_BASE moves the ingress ports)"
      fi
    done
    # Traefik's Kubernetes client takes a bearer token, not a client certificate: a
    # ServiceAccount of its own, bound to what the Ingress provider reads.
    kubectl_admin apply -f - >/dev/null <<EOF || die "could not create Traefik's account"
apiVersion: v1
kind: ServiceAccount
metadata:
  name: traefik
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: engram:traefik
rules:
  - apiGroups: [""]
    resources: [services, secrets, nodes, endpoints, configmaps]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses, ingressclasses]
    verbs: [get, list, watch]
  - apiGroups: [networking.k8s.io]
    resources: [ingresses/status]
    verbs: [update]
  - apiGroups: [traefik.io]
    resources:
      - middlewares
      - middlewaretcps
      - ingressroutes
      - ingressroutetcps
      - ingressrouteudps
      - traefikservices
      - tlsoptions
      - tlsstores
      - serverstransports
      - serverstransporttcps
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: engram:traefik
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: engram:traefik
subjects:
  - kind: ServiceAccount
    name: traefik
    namespace: kube-system
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: traefik
spec:
  controller: traefik.io/ingress-controller
EOF
    # Its CRD provider lists every kind it serves, so all of Traefik's CRDs exist before it starts
    # (server-side: the definitions exceed the size of a client-side apply's annotation).
    kubectl_admin apply --server-side --force-conflicts -f "$traefik_crds" >/dev/null ||
      die "could not create Traefik's CRDs"
    kubectl_admin wait --for condition=established --timeout=60s -f "$traefik_crds" >/dev/null ||
      die "Traefik's CRDs were not established within 60s"
    token=$(kubectl_admin create token traefik -n kube-system --duration=24h) || die "no token for Traefik"
    # One static configuration source only: Traefik ignores its environment once it has a file
    # or flags. The file, readable by root alone, keeps the token off the command line.
    (
      umask 077
      cat >"$node/traefik.yaml" <<EOF
global:
  checkNewVersion: false
  sendAnonymousUsage: false
log:
  level: INFO
accessLog:
  filePath: $node/logs/traefik-access.log
entryPoints:
  web:
    address: 127.0.0.1:$ingress_web_port
  websecure:
    address: 127.0.0.1:$ingress_websecure_port
  ping:
    address: 127.0.0.1:$ingress_ping_port
ping:
  entryPoint: ping
providers:
  kubernetesIngress:
    endpoint: https://127.0.0.1:$(apiserver_port "$version")
    certAuthFilePath: $state/pki/ca.crt
    token: $token
  kubernetesCRD:
    endpoint: https://127.0.0.1:$(apiserver_port "$version")
    certAuthFilePath: $state/pki/ca.crt
    token: $token
EOF
    )
    spawn traefik "$traefik_bin" --configFile="$node/traefik.yaml"
    for ((i = 0; ; i++)); do
      owned_pid traefik >/dev/null || {
        tail -n 20 "$node/logs/traefik.log" >&2
        die "traefik exited"
      }
      if curl -fsS --max-time 2 "http://127.0.0.1:$ingress_ping_port/ping" >/dev/null 2>&1; then break; fi
      ((i < 120)) || {
        tail -n 20 "$node/logs/traefik.log" >&2
        die "traefik not answering /ping after 60s"
      }
      sleep 0.5
    done
    log "traefik serves Ingresses (ready in $(since "$start")s)"
  fi
  printf 'web=%s websecure=%s\n' "$ingress_web_port" "$ingress_websecure_port"
}

# ---------------------------------------------------------------- status

status_cluster() {
  local c pid rss total=0
  if [[ ! -d $node ]]; then
    echo "not started"
    return
  fi
  printf '%s cluster (apiserver https://127.0.0.1:%s): %s\n' "$version" "$(apiserver_port "$version")" \
    "$(cluster_running && echo 'node Ready' || echo 'NOT ready')"
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns kube-router traefik; do
    if pid=$(owned_pid "$c"); then
      rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
      total=$((total + rss))
      printf '  %-24s pid %-8s rss %s MiB\n' "$c" "$pid" $((rss / 1024))
    else
      printf '  %-24s not running\n' "$c"
    fi
  done
  printf '  %-24s rss %s MiB\n' total $((total / 1024))
  if [[ -f $node/figures ]]; then sed 's/^/  /' "$node/figures"; fi
}

lock_fd=
lock_cluster() {
  mkdir -p "$KUBE_STATE_ROOT"
  exec {lock_fd}>"$KUBE_STATE_ROOT/.cluster.lock"
  flock -w 600 "$lock_fd" || die "another start or stop held the cluster lock for 600s"
}

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case $command in
  prepare) prepare ;;
  start)
    [[ $EUID -eq 0 ]] || die "run as root: containerd, the kubelet and CNI need it"
    lock_cluster
    start_cluster
    ;;
  stop)
    lock_cluster
    stop_cluster
    ;;
  status) status_cluster ;;
  kubeconfig)
    cluster_running || die "the cluster is not running: tools/kube/cluster.sh start"
    printf '%s\n' "$state/kubeconfig"
    ;;
  enforce)
    lock_cluster
    enforce
    ;;
  ingress)
    lock_cluster
    ingress
    ;;
  import)
    [[ $# -ge 1 ]] || usage
    owned_pid containerd >/dev/null || die "the cluster is not running: tools/kube/cluster.sh start"
    import_images "$@"
    ;;
  *) usage ;;
esac
