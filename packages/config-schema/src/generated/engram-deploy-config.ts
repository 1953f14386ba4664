/* Generated from schema/engram-deploy.schema.json by scripts/generate-types.mjs. Do not edit. */

/**
 * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
 */
export type DnsLabel = string;
/**
 * a memory space id: 3-64 characters of lowercase letters, digits, '_' and '-' (Engram's MemorySpaceId rule)
 */
export type MemorySpaceId = string;
/**
 * a Linux capability name without CAP_, such as NET_BIND_SERVICE
 */
export type Capability = string;
/**
 * a CIDR such as 10.0.0.0/8 or fd00::/8: an IPv4 or IPv6 address and a prefix length within its range
 */
export type Cidr = string;
/**
 * a host name such as engram.example.com (a leading '*.' is allowed), at most 253 characters
 */
export type Hostname = string;
/**
 * a Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' or '.' that start and end with a letter or digit
 */
export type LabelValue = string;
/**
 * a Kubernetes release MAJOR.MINOR.PATCH such as 1.35.4, 1.28.0 or newer
 */
export type KubernetesVersion = string;

/**
 * One deployment model of Engram from which the Dockerfile, the Compose stack, the Kubernetes manifests and the Helm chart are rendered. Every property is optional: a missing value takes its default.
 */
export interface EngramDeployConfig {
  /**
   * Path or URL of this JSON Schema, so that editors (YAML language server) validate and complete the file. Ignored by the renderers.
   */
  $schema?: string;
  /**
   * Application name: names the container, the Kubernetes objects (StatefulSet, Services, ConfigMap) and the Helm chart.
   */
  name?: string;
  /**
   * Engram version deployed: the default image tag, the OCI image version label and the Kubernetes app.kubernetes.io/version label, so it must be both an image tag and a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit; no '+').
   */
  appVersion?: string;
  /**
   * The Engram image that the container runtimes pull or that the Dockerfile builds.
   */
  image?: {
    /**
     * Registry host that replaces the registry of every image reference (Engram, builder, runtime base, monitoring), for air-gapped mirrors. Empty keeps each reference as written.
     */
    registry?: string;
    /**
     * Repository of the Engram image.
     */
    repository?: string;
    /**
     * Tag of the Engram image. Empty means appVersion.
     */
    tag?: string;
    /**
     * Optional digest (sha256:...) that pins the Engram image; when set it wins over the tag.
     */
    digest?: string;
    /**
     * Kubernetes image pull policy.
     */
    pullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
    /**
     * Names of Kubernetes Secrets of type dockerconfigjson used to pull the images.
     */
    pullSecrets?: DnsLabel[];
  };
  /**
   * How the Dockerfile builds the engram binary and assembles the runtime image.
   */
  build?: {
    /**
     * BuildKit Dockerfile frontend named by the `# syntax=` line, so every engine parses the Dockerfile with a current parser (Dockerfile.dockerignore, HEALTHCHECK --start-interval). image.registry applies to it too; BUILDKIT_SYNTAX overrides it per build.
     */
    dockerfileFrontend?: string;
    /**
     * Rust toolchain version of the builder image. Engram uses edition 2024 with let-chains, so 1.88 is the oldest that builds it.
     */
    rustVersion?: string;
    /**
     * Image of the build stage.
     */
    builderImage?: {
      /**
       * Repository of the builder image (a Debian trixie image with the Rust toolchain).
       */
      repository?: string;
      /**
       * Tag of the builder image. Empty means '<rustVersion>-slim-trixie'.
       */
      tag?: string;
      /**
       * Optional digest (sha256:...) that pins the builder image.
       */
      digest?: string;
    };
    /**
     * Base image of the runtime stage: distroless cc on the same Debian release as the builder, so glibc matches.
     */
    runtimeImage?: {
      /**
       * Repository of the runtime base image.
       */
      repository?: string;
      /**
       * Tag of the runtime base image.
       */
      tag?: string;
      /**
       * Optional digest (sha256:...) that pins the runtime base image.
       */
      digest?: string;
    };
    /**
     * Cargo package that holds the server binary.
     */
    cargoPackage?: string;
    /**
     * Cargo binary target built (cargo build --bin); the package has several bins.
     */
    cargoBin?: string;
    /**
     * Build with the package's default cargo features (hnsw_index, memory_mapped_persistence, monitoring, security). Must stay true for Engram 0.1.x: its code does not compile with --no-default-features.
     */
    defaultFeatures?: boolean;
    /**
     * Extra cargo features of engram-cli to enable on top of the defaults. cluster_discovery_dns adds DNS-based peer discovery; the others are already default features.
     */
    cargoFeatures?: (
      | 'cluster_discovery_dns'
      | 'hnsw_index'
      | 'memory_mapped_persistence'
      | 'monitoring'
      | 'security'
    )[];
    /**
     * Overrides of the workspace's cargo [profile.release] for this image. The defaults keep Engram's own profile (fat LTO, one codegen unit: the fastest binary, and a long single-threaded link on every change). CI and dev images can trade a little speed for much faster rebuilds with lto 'thin' and more codegen units.
     */
    releaseProfile?: {
      /**
       * cargo profile.release.lto: 'fat', 'thin' or 'off'; empty keeps the workspace's setting.
       */
      lto?: '' | 'fat' | 'thin' | 'off';
      /**
       * cargo profile.release.codegen-units; 0 keeps the workspace's setting.
       */
      codegenUnits?: number;
    };
    /**
     * rustc -C target-cpu value. x86-64-v2 runs on every x86-64 server of the last decade; 'native' ties the image to the build host.
     */
    targetCpu?: string;
    /**
     * Debian packages the build stage needs (only those missing from the builder image are installed).
     */
    systemPackages?: string[];
    /**
     * Path, relative to the build context, of a merged .profdata file for a profile-guided build. Empty builds without PGO.
     */
    pgoProfile?: string;
  };
  /**
   * What the engram binary expects at run time. Defaults follow the real binary (Engram 0.1.x); override them when a newer Engram renames a flag or a path.
   */
  runtime?: {
    /**
     * Absolute path of the engram binary in the image.
     */
    binaryPath?: string;
    /**
     * Subcommand that runs the server.
     *
     * @minItems 1
     */
    startCommand?: [string, ...string[]];
    /**
     * Flag names of the engram command line. logLevel is a global flag and goes before the subcommand.
     */
    flags?: {
      /**
       * Global flag that sets the log level (placed before the subcommand).
       */
      logLevel?: string;
      /**
       * Flag of the start subcommand that sets the HTTP port. Engram has no --http-port.
       */
      httpPort?: string;
      /**
       * Flag of the start subcommand that sets the gRPC port.
       */
      grpcPort?: string;
    };
    /**
     * Extra arguments appended after the start flags.
     */
    extraArgs?: string[];
    /**
     * Engram log level. RUST_LOG is ignored by the server; this becomes the global --log-level flag.
     */
    logLevel?: 'error' | 'warn' | 'info' | 'debug' | 'trace';
    /**
     * XDG_CONFIG_HOME of the container: Engram reads its config file below it (no flag or variable names the file).
     */
    configHome?: string;
    /**
     * Path of the config file relative to configHome, where Engram looks for it.
     */
    configFile?: string;
    /**
     * Data root (ENGRAM_DATA_DIR), the mount point of the persistent volume. Every directory in it is taken as a memory space.
     */
    dataDir?: string;
    /**
     * Writable scratch directory (TMPDIR), a tmpfs or emptyDir beside the read-only root filesystem.
     */
    tmpDir?: string;
    /**
     * Size of the scratch directory (Kubernetes quantity; Compose converts it).
     */
    tmpSize?: string;
    /**
     * PID file (ENGRAM_PID_PATH). It must be writable: an unwritable PID file is fatal at start.
     */
    pidPath?: string;
    /**
     * Consolidation alert log (ENGRAM_CONSOLIDATION_ALERT_LOG). Its default is relative to the working directory, the data root, where nothing but spaces may live: keep it in the scratch directory.
     */
    consolidationAlertLog?: string;
    /**
     * mimalloc (Engram's global allocator) tuning.
     */
    allocator?: {
      /**
       * MIMALLOC_LARGE_OS_PAGES: use 2 MiB pages where the host offers them.
       */
      largeOsPages?: boolean;
      /**
       * MIMALLOC_RESERVE_HUGE_OS_PAGES: GiB of 1 GiB huge pages reserved at start. Containers rarely have them: keep 0 unless the node is set up for it.
       */
      reserveHugeOsPages?: number;
      /**
       * MIMALLOC_PURGE_DELAY: milliseconds the allocator waits before returning freed memory to the operating system. A longer delay trades resident memory for fewer system calls under bursts of writes. 0 keeps the allocator's own default (10 ms).
       */
      purgeDelayMs?: number;
    };
    /**
     * HTTP paths of Engram's health endpoints.
     */
    health?: {
      /**
       * Answers 200 as soon as HTTP serves: startup probe.
       */
      startupPath?: string;
      /**
       * Liveness probe path. /health runs checks with a 200 ms budget that can flap under CPU throttling, so liveness uses /health/alive.
       */
      livenessPath?: string;
      /**
       * Readiness probe path: 200 when healthy or degraded, 503 when unhealthy.
       */
      readinessPath?: string;
    };
    /**
     * Prometheus text-format metrics path (/metrics is JSON).
     */
    metricsPath?: string;
    /**
     * Container health check run inside the image (Dockerfile HEALTHCHECK and Compose healthcheck), exec form: no shell exists in the image.
     */
    healthCheck?: {
      /**
       * Arguments given to the engram binary. 'engram status' always exits 0, so the default asks the server with real exit semantics.
       *
       * @minItems 1
       */
      command?: [string, ...string[]];
      /**
       * Seconds between checks.
       */
      intervalSeconds?: number;
      /**
       * Seconds before one check counts as failed.
       */
      timeoutSeconds?: number;
      /**
       * Start-up grace during which failures do not count; covers Engram's gRPC wait.
       */
      startPeriodSeconds?: number;
      /**
       * Seconds between checks during the start period, so a fresh container turns healthy quickly (Dockerfile HEALTHCHECK only: older engines ignore it there, while Compose refuses start_interval on engines before 25).
       */
      startIntervalSeconds?: number;
      /**
       * Consecutive failures that make the container unhealthy.
       */
      retries?: number;
    };
    /**
     * Longest time Engram takes from start to serving HTTP (it waits up to ~10 s for gRPC). Startup probes must allow at least this.
     */
    startupBudgetSeconds?: number;
    /**
     * Longest clean stop after SIGTERM (connections drained, background tasks stopped in 3 s). Grace periods must exceed it.
     */
    shutdownBudgetSeconds?: number;
    /**
     * Seconds between SIGTERM and SIGKILL (Compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).
     */
    stopGracePeriodSeconds?: number;
    /**
     * Log line Engram prints after a clean stop; tests and runbooks look for it.
     */
    cleanStopLogLine?: string;
  };
  /**
   * Container ports.
   */
  ports?: {
    /**
     * HTTP API, health and metrics port.
     */
    http?: number;
    /**
     * gRPC port (engram.v1.EngramService).
     */
    grpc?: number;
  };
  /**
   * Engram's own config.toml. Only sections and keys the server reads; 'extra' carries keys a newer Engram adds.
   */
  engram?: {
    /**
     * [server] table.
     */
    server?: {
      /**
       * server.http_bind (also ENGRAM_HTTP_BIND). Engram's own default is 127.0.0.1, which no published port or kubelet probe reaches: containers bind 0.0.0.0.
       */
      httpBind?: string;
    };
    /**
     * [feature_flags] table.
     */
    featureFlags?: {
      /**
       * feature_flags.spreading_api_beta: serve the spreading-activation API.
       */
      spreadingApiBeta?: boolean;
    };
    /**
     * [memory_spaces] table.
     */
    memorySpaces?: {
      /**
       * memory_spaces.default_space: space used when a request names none.
       */
      defaultSpace?: string;
      /**
       * memory_spaces.bootstrap_spaces: spaces created at start.
       */
      bootstrapSpaces?: MemorySpaceId[];
    };
    /**
     * [security] table.
     */
    security?: {
      /**
       * security.auth_mode. Only none is accepted: Engram 0.1.x cannot create API keys, and a key store it cannot open silently turns auth off (/shutdown included). Protect Engram with the closed NetworkPolicy, 127.0.0.1 publishing, and TLS plus authentication at an ingress or proxy. Kept for when Engram manages keys.
       */
      authMode?: 'none' | 'api_key';
      /**
       * security.api_keys.storage_path: Engram's API key database (SQLite, needs a writable directory). Unused while authMode must be none.
       */
      apiKeysStoragePath?: string;
    };
    /**
     * [persistence] table (checked by 'engram validate config'; the data root itself comes from runtime.dataDir).
     */
    persistence?: {
      /**
       * persistence.hot_capacity: memories kept in the hot tier.
       */
      hotCapacity?: number;
      /**
       * persistence.warm_capacity: memories kept in the warm tier.
       */
      warmCapacity?: number;
      /**
       * persistence.cold_capacity: memories kept in the cold tier.
       */
      coldCapacity?: number;
    };
    /**
     * Free-form TOML tables and keys merged into config.toml, for settings a newer Engram adds. Keys already modelled above must be set there instead.
     */
    extra?: {
      [k: string]: unknown;
    };
  };
  /**
   * CPU, memory and ephemeral storage of the Engram container (Kubernetes requests and limits; Compose reservations and limits).
   */
  resources?: {
    requests?: ResourceSet;
    limits?: ResourceSet1;
  };
  /**
   * The persistent volume that holds the data root.
   */
  persistence?: {
    /**
     * Keep data on a persistent volume. When false the data lives in an emptyDir (Kubernetes) or an anonymous volume (Compose) and is lost with the pod or container.
     */
    enabled?: boolean;
    /**
     * Requested volume size.
     */
    size?: string;
    /**
     * StorageClass of the claim. Empty uses the cluster default; '-' asks for no class (storageClassName: "").
     */
    storageClass?: string;
    /**
     * Access modes of the claim. One writer: ReadWriteOnce or ReadWriteOncePod.
     *
     * @minItems 1
     */
    accessModes?: [
      'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany' | 'ReadOnlyMany',
      ...('ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany' | 'ReadOnlyMany')[]
    ];
    /**
     * Name of a PersistentVolumeClaim to use instead of the StatefulSet's claim template; size, storageClass, accessModes and annotations then describe that claim (written as pvc.yaml for kubectl users).
     */
    existingClaim?: string;
    annotations?: AnnotationMap;
    /**
     * StatefulSet persistentVolumeClaimRetentionPolicy: what happens to claims when the StatefulSet is deleted or scaled down.
     */
    retentionPolicy?: {
      /**
       * Claims kept (Retain) or removed (Delete) when the StatefulSet is deleted.
       */
      whenDeleted?: 'Retain' | 'Delete';
      /**
       * Claims kept (Retain) or removed (Delete) when the StatefulSet is scaled down.
       */
      whenScaled?: 'Retain' | 'Delete';
    };
  };
  /**
   * Process and container security. Defaults meet Kubernetes Pod Security 'restricted'.
   */
  security?: {
    /**
     * UID of the Engram process (image USER, Compose user, Kubernetes runAsUser). 65534 is nobody.
     */
    runAsUser?: number;
    /**
     * GID of the Engram process.
     */
    runAsGroup?: number;
    /**
     * Group that owns the data volume (Kubernetes fsGroup); replaces a root chown init container.
     */
    fsGroup?: number;
    /**
     * When Kubernetes re-owns the volume: OnRootMismatch avoids a recursive chown on every start.
     */
    fsGroupChangePolicy?: 'OnRootMismatch' | 'Always';
    /**
     * Mount the root filesystem read-only; the data dir and the scratch dir stay writable.
     */
    readOnlyRootFilesystem?: boolean;
    /**
     * Allow privilege escalation (setuid binaries, no_new_privs off). Pod Security 'restricted' requires false.
     */
    allowPrivilegeEscalation?: boolean;
    /**
     * Linux capabilities of the container.
     */
    capabilities?: {
      /**
       * Capabilities dropped. Pod Security 'restricted' requires ALL.
       */
      drop?: Capability[];
      /**
       * Capabilities added back. Engram needs none (7432 is not a privileged port); 'restricted' allows only NET_BIND_SERVICE.
       */
      add?: Capability[];
    };
    /**
     * Seccomp profile type (Kubernetes) ; RuntimeDefault is the container runtime's default filter.
     */
    seccompProfile?: 'RuntimeDefault' | 'Localhost' | 'Unconfined';
    /**
     * Profile file relative to the kubelet's seccomp directory, with seccompProfile Localhost.
     */
    seccompLocalhostProfile?: string;
  };
  /**
   * Kubernetes probe timings. Paths come from runtime.health.
   */
  probes?: {
    startup?: Probe;
    liveness?: Probe1;
    readiness?: Probe2;
  };
  /**
   * StatefulSet options.
   */
  statefulset?: {
    /**
     * Pod count. Engram is a single-writer database until multi-node lands, so it must be 1.
     */
    replicas?: number;
    /**
     * RollingUpdate replaces the pod on every template change; OnDelete waits for a manual pod delete (upgrades and rollbacks then change nothing running).
     */
    updateStrategy?: 'RollingUpdate' | 'OnDelete';
    /**
     * Order in which pods are created and deleted.
     */
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    /**
     * Controller revisions kept for rollback.
     */
    revisionHistoryLimit?: number;
    /**
     * Seconds a new pod must be Ready before it counts as available.
     */
    minReadySeconds?: number;
  };
  /**
   * Horizontal autoscaling. Not supported: scaling a single-writer StatefulSet would fork the database (multi-node is a later milestone).
   */
  autoscaling?: {
    /**
     * Must stay false until Engram supports several nodes.
     */
    enabled?: boolean;
  };
  /**
   * Kubernetes Services: a headless one for the StatefulSet's stable identity and a client one.
   */
  service?: {
    /**
     * Client Service type. LoadBalancer is opt-in with source ranges: Engram has no authentication and the HTTP API has an unauthenticated /shutdown.
     */
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
    annotations?: AnnotationMap1;
    /**
     * CIDRs allowed to reach a LoadBalancer Service.
     */
    loadBalancerSourceRanges?: Cidr[];
    /**
     * Client Service session affinity.
     */
    sessionAffinity?: 'None' | 'ClientIP';
    /**
     * Fixed node ports for NodePort and LoadBalancer Services; null lets Kubernetes choose.
     */
    nodePorts?: {
      /**
       * Node port of the HTTP port.
       */
      http?: number | null;
      /**
       * Node port of the gRPC port.
       */
      grpc?: number | null;
    };
  };
  /**
   * Ingress to the HTTP API.
   */
  ingress?: {
    /**
     * Create an Ingress. It routes only the API paths listed in hosts[].paths (never /shutdown or /metrics), over TLS; put authentication in front of it at the controller or a proxy, as Engram has none.
     */
    enabled?: boolean;
    /**
     * IngressClass name; empty uses the cluster default.
     */
    className?: string;
    /**
     * Ingress controller the annotations are written for: traefik binds the router to the websecure entry point only; ingress-nginx gets its SSL redirect annotations; other gets none (configure plain HTTP handling at the controller).
     */
    controller?: 'traefik' | 'ingress-nginx' | 'other';
    /**
     * What plain HTTP requests get: refuse (no route on the HTTP entry point), redirect (a permanent redirect to HTTPS; with Traefik a Middleware on a second Ingress, which needs Traefik's kubernetesCRD provider and its CRDs), or allow (also served without TLS; the only choice that needs no ingress.tls).
     */
    plainHttp?: 'refuse' | 'redirect' | 'allow';
    /**
     * cert-manager: issue the certificates of ingress.tls through an issuer (annotations on the Ingress).
     */
    certManager?: {
      /**
       * ClusterIssuer name (cert-manager.io/cluster-issuer); empty adds no annotation.
       */
      clusterIssuer?: string;
      /**
       * Issuer name in the release namespace (cert-manager.io/issuer); empty adds no annotation.
       */
      issuer?: string;
    };
    annotations?: AnnotationMap2;
    /**
     * Hosts and paths routed to the HTTP port.
     */
    hosts?: {
      /**
       * Host name.
       */
      host: string;
      /**
       * Paths on this host: an allow-list of Engram's API. / and anything routing /shutdown or /metrics are refused.
       */
      paths?: {
        /**
         * URL path.
         */
        path?: string;
        /**
         * Ingress path type (ImplementationSpecific is refused: its matching is up to the controller, so the allow-list could not be checked).
         */
        pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
      }[];
    }[];
    /**
     * TLS: Secrets holding certificates for the hosts.
     */
    tls?: {
      /**
       * Secret of type kubernetes.io/tls.
       */
      secretName: string;
      /**
       * Hosts the certificate covers.
       *
       * @minItems 1
       */
      hosts: [Hostname, ...Hostname[]];
    }[];
  };
  /**
   * Prometheus scraping and Grafana dashboards.
   */
  monitoring?: {
    /**
     * Add prometheus.io/scrape, port and path annotations to the pod.
     */
    scrapeAnnotations?: boolean;
    /**
     * Prometheus Operator ServiceMonitor (rendered only when the cluster has monitoring.coreos.com/v1).
     */
    serviceMonitor?: {
      /**
       * Create a ServiceMonitor.
       */
      enabled?: boolean;
      /**
       * Scrape interval.
       */
      interval?: string;
      /**
       * Scrape timeout; not longer than the interval.
       */
      scrapeTimeout?: string;
      labels?: LabelMap;
    };
    /**
     * Dashboards as ConfigMaps for the Grafana sidecar (Kubernetes) and provisioned files (Compose).
     */
    grafanaDashboards?: {
      /**
       * Create dashboard ConfigMaps in Kubernetes.
       */
      enabled?: boolean;
      labels?: LabelMap1;
    };
  };
  /**
   * Kubernetes NetworkPolicy. Closed by default: only pods carrying clientLabel (in the release namespace and clientNamespaces), the Prometheus scraper when scraping is on, and the ingress controller when the Ingress is enabled reach Engram; Engram reaches DNS only.
   */
  networkPolicy?: {
    /**
     * Create the NetworkPolicy.
     */
    enabled?: boolean;
    /**
     * Allow any source, in or outside the cluster, to reach the HTTP and gRPC ports, /shutdown included. Opens what the policy closes: choose it deliberately.
     */
    allowExternal?: boolean;
    /**
     * The pod label that admits a client to the HTTP and gRPC ports. Give it to your client pods (and the chart's test pod carries it).
     */
    clientLabel?: {
      /**
       * Label key; empty means '<name>-client' (the chart: '<release fullname>-client'), so installs sharing a namespace keep apart.
       */
      key?: string;
      /**
       * a Kubernetes label value: empty, or at most 63 letters, digits, '-', '_' or '.' that start and end with a letter or digit
       */
      value?: string;
    };
    /**
     * Other namespaces (by name) whose pods carrying clientLabel are admitted too.
     */
    clientNamespaces?: DnsLabel[];
    /**
     * The Prometheus pods admitted to the HTTP port when scraping is on (monitoring.scrapeAnnotations or the ServiceMonitor).
     */
    prometheus?: {
      /**
       * Namespace of Prometheus; empty means the release namespace.
       */
      namespace?: string;
      podLabels?: LabelMap2;
    };
    /**
     * The ingress controller pods admitted to the HTTP port when ingress.enabled; required then (unless allowExternal).
     */
    ingressController?: {
      /**
       * Namespace of the ingress controller; empty names none.
       */
      namespace?: string;
      podLabels?: LabelMap3;
    };
    /**
     * Extra NetworkPolicyPeer objects admitted to the HTTP and gRPC ports, beside clientLabel.
     */
    ingressFrom?: {
      [k: string]: unknown;
    }[];
    /**
     * Allow DNS lookups (port 53) out of the pod.
     */
    allowDnsEgress?: boolean;
    /**
     * Extra NetworkPolicyEgressRule objects.
     */
    extraEgress?: {
      [k: string]: unknown;
    }[];
  };
  /**
   * PodDisruptionBudget. Set at most one of minAvailable and maxUnavailable; the default never blocks a node drain forever.
   */
  podDisruptionBudget?: {
    /**
     * Create the PodDisruptionBudget.
     */
    enabled?: boolean;
    /**
     * Pods that may be down during a voluntary disruption (integer or percentage).
     */
    maxUnavailable?: number | string | null;
    /**
     * Pods that must stay up (integer or percentage). minAvailable equal to replicas blocks every drain.
     */
    minAvailable?: number | string | null;
  };
  /**
   * Where the pod may run.
   */
  scheduling?: {
    nodeSelector?: LabelMap4;
    /**
     * Kubernetes Toleration objects.
     */
    tolerations?: {
      [k: string]: unknown;
    }[];
    /**
     * Kubernetes Affinity object.
     */
    affinity?: {
      [k: string]: unknown;
    };
    /**
     * Kubernetes TopologySpreadConstraint objects.
     */
    topologySpreadConstraints?: {
      [k: string]: unknown;
    }[];
    /**
     * PriorityClass of the pod.
     */
    priorityClassName?: string;
  };
  /**
   * Kubernetes-only settings.
   */
  kubernetes?: {
    /**
     * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
     */
    namespace?: string;
    /**
     * Kubernetes releases the manifests and the chart target. The CI workflow (`nx g @engram/dockerfile:ci`) renders the chart for each and validates it and the manifests against each release's API schemas with kubeconform. Oldest 1.28 (the chart's kubeVersion).
     *
     * @minItems 1
     */
    versions?: [KubernetesVersion, ...KubernetesVersion[]];
    commonLabels?: LabelMap5;
    podLabels?: LabelMap6;
    podAnnotations?: AnnotationMap3;
    /**
     * ServiceAccount of the pod. Engram never calls the Kubernetes API: no token and no role binding.
     */
    serviceAccount?: {
      /**
       * Create the ServiceAccount.
       */
      create?: boolean;
      /**
       * ServiceAccount name; empty means the application name.
       */
      name?: string;
      annotations?: AnnotationMap4;
      /**
       * Mount an API token into the pod. Engram does not need one.
       */
      automountToken?: boolean;
    };
    /**
     * Extra Kubernetes EnvVar objects of the Engram container.
     */
    extraEnv?: {
      /**
       * Variable name.
       */
      name: string;
      [k: string]: unknown;
    }[];
    /**
     * Extra Kubernetes Volume objects of the pod.
     */
    extraVolumes?: {
      /**
       * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
       */
      name: string;
      [k: string]: unknown;
    }[];
    /**
     * Extra Kubernetes VolumeMount objects of the Engram container.
     */
    extraVolumeMounts?: {
      /**
       * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
       */
      name: string;
      /**
       * Where the volume is mounted.
       */
      mountPath: string;
      [k: string]: unknown;
    }[];
    /**
     * Extra Kubernetes objects written beside the generated ones.
     */
    extraManifests?: {
      /**
       * API version of the object.
       */
      apiVersion: string;
      /**
       * Kind of the object.
       */
      kind: string;
      /**
       * Object metadata; name is required.
       */
      metadata: {
        /**
         * Object name.
         */
        name: string;
        [k: string]: unknown;
      };
      [k: string]: unknown;
    }[];
    /**
     * Kubernetes PodDNSConfig object; empty keeps the cluster's.
     */
    dnsConfig?: {
      [k: string]: unknown;
    };
  };
  /**
   * Docker Compose-only settings. Resources, ports, security and health check come from the shared sections.
   */
  compose?: {
    /**
     * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
     */
    containerName?: string;
    /**
     * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
     */
    hostname?: string;
    /**
     * Host address the ports are published on. 127.0.0.1 keeps the unauthenticated API off the network; any other address makes the generator warn.
     */
    publishAddress?: string;
    /**
     * Restart policy.
     */
    restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped';
    /**
     * Volume that holds the data root.
     */
    dataVolume?: {
      /**
       * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
       */
      name?: string;
      /**
       * Absolute host directory bound instead of the named volume (must be owned by security.runAsUser). Empty uses the named volume; ENGRAM_DATA_PATH overrides it at run time.
       */
      hostPath?: string;
    };
    /**
     * Container log rotation (json-file driver).
     */
    logging?: {
      /**
       * Docker logging driver.
       */
      driver?: 'json-file' | 'local';
      /**
       * Size of one log file before rotation.
       */
      maxSize?: string;
      /**
       * Rotated log files kept.
       */
      maxFile?: number;
      /**
       * Compress rotated files.
       */
      compress?: boolean;
    };
    /**
     * Bridge network of the stack.
     */
    network?: {
      /**
       * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
       */
      name?: string;
      /**
       * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
       */
      alias?: string;
      /**
       * Fixed subnet; empty lets Docker choose (a fixed one collides on hosts that use it).
       */
      subnet?: string;
      /**
       * Network MTU; null keeps Docker's.
       */
      mtu?: number | null;
    };
    /**
     * AppArmor profile of the Engram container; empty sets none (hosts without AppArmor fail on one).
     */
    apparmorProfile?: string;
    /**
     * Prometheus and Grafana behind the 'monitoring' profile.
     */
    monitoring?: {
      /**
       * a DNS label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit
       */
      profile?: string;
      /**
       * Prometheus scrape interval.
       */
      scrapeInterval?: string;
      /**
       * Prometheus storage retention.
       */
      retention?: string;
      /**
       * Prometheus image reference.
       */
      prometheusImage?: string;
      /**
       * Grafana image reference.
       */
      grafanaImage?: string;
      /**
       * Host port of Prometheus.
       */
      prometheusPort?: number;
      /**
       * Host port of Grafana.
       */
      grafanaPort?: number;
    };
  };
}
/**
 * Guaranteed resources (Compose: deploy.resources.reservations).
 */
export interface ResourceSet {
  /**
   * CPU (Kubernetes quantity: 500m, 1, 1.5).
   */
  cpu?: string;
  /**
   * Memory (Kubernetes quantity: 512Mi, 4Gi).
   */
  memory?: string;
  /**
   * Ephemeral storage (Kubernetes only).
   */
  ephemeralStorage?: string;
}
/**
 * Upper bounds (Compose: deploy.resources.limits). Exceeding the memory limit gets the process OOM-killed.
 */
export interface ResourceSet1 {
  /**
   * CPU (Kubernetes quantity: 500m, 1, 1.5).
   */
  cpu?: string;
  /**
   * Memory (Kubernetes quantity: 512Mi, 4Gi).
   */
  memory?: string;
  /**
   * Ephemeral storage (Kubernetes only).
   */
  ephemeralStorage?: string;
}
/**
 * Annotations of the claim (template).
 */
export interface AnnotationMap {
  [k: string]: string;
}
/**
 * Startup probe on runtime.health.startupPath; its budget must cover runtime.startupBudgetSeconds.
 */
export interface Probe {
  /**
   * Render this probe.
   */
  enabled?: boolean;
  /**
   * Seconds before the first check.
   */
  initialDelaySeconds?: number;
  /**
   * Seconds between checks.
   */
  periodSeconds?: number;
  /**
   * Seconds before a check fails.
   */
  timeoutSeconds?: number;
  /**
   * Successes that count as passing (1 for startup and liveness).
   */
  successThreshold?: number;
  /**
   * Failures that count as failing.
   */
  failureThreshold?: number;
}
/**
 * Liveness probe on runtime.health.livenessPath.
 */
export interface Probe1 {
  /**
   * Render this probe.
   */
  enabled?: boolean;
  /**
   * Seconds before the first check.
   */
  initialDelaySeconds?: number;
  /**
   * Seconds between checks.
   */
  periodSeconds?: number;
  /**
   * Seconds before a check fails.
   */
  timeoutSeconds?: number;
  /**
   * Successes that count as passing (1 for startup and liveness).
   */
  successThreshold?: number;
  /**
   * Failures that count as failing.
   */
  failureThreshold?: number;
}
/**
 * Readiness probe on runtime.health.readinessPath.
 */
export interface Probe2 {
  /**
   * Render this probe.
   */
  enabled?: boolean;
  /**
   * Seconds before the first check.
   */
  initialDelaySeconds?: number;
  /**
   * Seconds between checks.
   */
  periodSeconds?: number;
  /**
   * Seconds before a check fails.
   */
  timeoutSeconds?: number;
  /**
   * Successes that count as passing (1 for startup and liveness).
   */
  successThreshold?: number;
  /**
   * Failures that count as failing.
   */
  failureThreshold?: number;
}
/**
 * Annotations of the client Service.
 */
export interface AnnotationMap1 {
  [k: string]: string;
}
/**
 * Annotations of the Ingress.
 */
export interface AnnotationMap2 {
  [k: string]: string;
}
/**
 * Labels the Prometheus serviceMonitorSelector matches.
 */
export interface LabelMap {
  [k: string]: LabelValue;
}
/**
 * Labels the Grafana sidecar selects dashboards by.
 */
export interface LabelMap1 {
  [k: string]: LabelValue;
}
/**
 * Labels of the Prometheus pods.
 */
export interface LabelMap2 {
  [k: string]: LabelValue;
}
/**
 * Labels of the ingress controller pods; empty admits every pod of that namespace.
 */
export interface LabelMap3 {
  [k: string]: LabelValue;
}
/**
 * Node labels the pod requires.
 */
export interface LabelMap4 {
  [k: string]: LabelValue;
}
/**
 * Labels added to every object (not to selectors).
 */
export interface LabelMap5 {
  [k: string]: LabelValue;
}
/**
 * Extra pod labels.
 */
export interface LabelMap6 {
  [k: string]: LabelValue;
}
/**
 * Extra pod annotations.
 */
export interface AnnotationMap3 {
  [k: string]: string;
}
/**
 * Annotations of the ServiceAccount (e.g. cloud workload identity).
 */
export interface AnnotationMap4 {
  [k: string]: string;
}
