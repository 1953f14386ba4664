import {
  builderImage,
  configFilePath,
  engramImage,
  generatedHeader,
  healthCheckCommand,
  monitoringImage,
  parseCpuQuantity,
  parseMemoryQuantity,
  renderContainerEnv,
  runtimeBaseImage,
  startArguments,
  type EngramDeployModel,
} from '@engram/config-schema';
import { stringify } from 'yaml';

export const packageName = '@engram/compose';

/**
 * YAML 1.1 quoting (so `on`, `yes`, `0755` stay strings for every parser) and no anchors: each
 * service spells out its settings.
 */
export const yamlOptions = { version: '1.1', aliasDuplicateObjects: false, lineWidth: 0 } as const;

/** A variable the Compose file interpolates, with its default and what it is for (.env.example lists them). */
export interface ComposeVariable {
  name: string;
  default: string;
  description: string;
}

/** `${NAME:-default}`: operators override at `docker compose` time without editing the file. */
function interpolate(variable: ComposeVariable): string {
  return `\${${variable.name}:-${variable.default}}`;
}

/** Docker units are binary: 4g is 4 GiB, matching the Kubernetes quantity 4Gi. */
export function dockerMemory(quantity: string): string {
  const bytes = parseMemoryQuantity(quantity);
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}g`;
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20}m`;
  if (bytes % 2 ** 10 === 0) return `${bytes / 2 ** 10}k`;
  return String(bytes);
}

export function dockerCpus(quantity: string): string {
  return String(parseCpuQuantity(quantity));
}

/** Every variable the Compose file interpolates, in the order .env.example lists them. */
export function composeVariables(model: EngramDeployModel): ComposeVariable[] {
  const { compose, ports, runtime } = model;
  const variables: ComposeVariable[] = [
    {
      name: 'ENGRAM_IMAGE',
      default: engramImage(model),
      description: 'Image the engram service runs, and the tag `docker compose build` gives it.',
    },
    {
      name: 'ENGRAM_BUILDER_IMAGE',
      default: builderImage(model),
      description: 'Rust builder image of the Dockerfile (point it at a mirror in air-gapped networks).',
    },
    {
      name: 'ENGRAM_RUNTIME_IMAGE',
      default: runtimeBaseImage(model),
      description: 'Distroless runtime base image of the Dockerfile.',
    },
    {
      name: 'ENGRAM_LOG_LEVEL',
      default: runtime.logLevel,
      description: 'Engram log level: error, warn, info, debug or trace.',
    },
    {
      name: 'ENGRAM_PUBLISH_ADDRESS',
      default: compose.publishAddress,
      description:
        'Host address the ports are published on. Keep 127.0.0.1 unless auth is on: the HTTP API has an unauthenticated /shutdown.',
    },
    { name: 'ENGRAM_HOST_HTTP_PORT', default: String(ports.http), description: 'Host port of the HTTP API.' },
    { name: 'ENGRAM_HOST_GRPC_PORT', default: String(ports.grpc), description: 'Host port of the gRPC API.' },
  ];
  if (compose.dataVolume.hostPath) {
    variables.push({
      name: 'ENGRAM_DATA_PATH',
      default: compose.dataVolume.hostPath,
      description: `Host directory holding Engram's data; it must be owned by ${model.security.runAsUser}:${model.security.runAsGroup}.`,
    });
  }
  variables.push(
    {
      name: 'PROMETHEUS_HOST_PORT',
      default: String(compose.monitoring.prometheusPort),
      description: `Host port of Prometheus (profile "${compose.monitoring.profile}").`,
    },
    {
      name: 'GRAFANA_HOST_PORT',
      default: String(compose.monitoring.grafanaPort),
      description: `Host port of Grafana (profile "${compose.monitoring.profile}").`,
    },
    {
      name: 'GRAFANA_ADMIN_PASSWORD',
      default: 'admin',
      description:
        'Initial Grafana admin password; Grafana asks for a new one at first login. Set your own before publishing Grafana beyond 127.0.0.1.',
    },
  );
  return variables;
}

function variable(model: EngramDeployModel, name: string): string {
  const found = composeVariables(model).find((v) => v.name === name);
  if (!found) throw new Error(`no Compose variable ${name}`);
  return interpolate(found);
}

function seconds(value: number): string {
  return `${value}s`;
}

/** The hardening every service of the stack gets. */
const hardening = {
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
};

function engramService(model: EngramDeployModel): Record<string, unknown> {
  const { compose, runtime, security, resources, ports, persistence } = model;
  const v = (name: string) => variable(model, name);
  const [logLevelFlag, ...rest] = startArguments(model);
  const command = [logLevelFlag?.replace(/=.*$/, `=${v('ENGRAM_LOG_LEVEL')}`), ...rest];

  const dataVolume = !persistence.enabled
    ? { type: 'volume', target: runtime.dataDir }
    : compose.dataVolume.hostPath
      ? { type: 'bind', source: v('ENGRAM_DATA_PATH'), target: runtime.dataDir }
      : { type: 'volume', source: compose.dataVolume.name, target: runtime.dataDir };

  const securityOpt = [...hardening.security_opt];
  if (compose.apparmorProfile) securityOpt.push(`apparmor:${compose.apparmorProfile}`);

  const { healthCheck } = runtime;
  const limits: Record<string, string> = {};
  const reservations: Record<string, string> = {};
  if (resources.limits.cpu) limits.cpus = dockerCpus(resources.limits.cpu);
  if (resources.limits.memory) limits.memory = dockerMemory(resources.limits.memory);
  if (resources.requests.cpu) reservations.cpus = dockerCpus(resources.requests.cpu);
  if (resources.requests.memory) reservations.memory = dockerMemory(resources.requests.memory);

  return {
    build: {
      context: '../..',
      dockerfile: 'deployments/docker/Dockerfile',
      args: {
        BUILDER_IMAGE: v('ENGRAM_BUILDER_IMAGE'),
        RUNTIME_IMAGE: v('ENGRAM_RUNTIME_IMAGE'),
        VERSION: model.appVersion,
      },
    },
    image: v('ENGRAM_IMAGE'),
    container_name: compose.containerName,
    hostname: compose.hostname,
    command,
    user: `${security.runAsUser}:${security.runAsGroup}`,
    ports: [
      `${v('ENGRAM_PUBLISH_ADDRESS')}:${v('ENGRAM_HOST_HTTP_PORT')}:${ports.http}`,
      `${v('ENGRAM_PUBLISH_ADDRESS')}:${v('ENGRAM_HOST_GRPC_PORT')}:${ports.grpc}`,
    ],
    volumes: [
      dataVolume,
      { type: 'bind', source: `./config/${model.runtime.configFile}`, target: configFilePath(model), read_only: true },
    ],
    environment: Object.fromEntries(renderContainerEnv(model).map(({ name, value }) => [name, value])),
    read_only: security.readOnlyRootFilesystem,
    tmpfs: [`${runtime.tmpDir}:size=${dockerMemory(runtime.tmpSize)},mode=1777,noexec,nosuid,nodev`],
    cap_drop: hardening.cap_drop,
    ...(security.capabilities.add.length ? { cap_add: [...security.capabilities.add] } : {}),
    security_opt: securityOpt,
    deploy: { resources: { limits, reservations } },
    healthcheck: {
      test: ['CMD', ...healthCheckCommand(model)],
      interval: seconds(healthCheck.intervalSeconds),
      timeout: seconds(healthCheck.timeoutSeconds),
      start_period: seconds(healthCheck.startPeriodSeconds),
      // No start_interval: Compose refuses it on engines before 25, and the task supports Docker 24.
      retries: healthCheck.retries,
    },
    restart: compose.restart,
    logging: {
      driver: compose.logging.driver,
      options: {
        'max-size': compose.logging.maxSize,
        'max-file': String(compose.logging.maxFile),
        compress: String(compose.logging.compress),
      },
    },
    networks: { [compose.network.name]: { aliases: [compose.network.alias] } },
    stop_signal: 'SIGTERM',
    stop_grace_period: seconds(runtime.stopGracePeriodSeconds),
  };
}

function monitoringServices(model: EngramDeployModel): Record<string, unknown> {
  const { compose } = model;
  const { monitoring } = compose;
  const v = (name: string) => variable(model, name);
  const logging = {
    driver: compose.logging.driver,
    options: { 'max-size': compose.logging.maxSize, 'max-file': String(compose.logging.maxFile) },
  };
  return {
    prometheus: {
      image: monitoringImage(model, monitoring.prometheusImage),
      profiles: [monitoring.profile],
      command: [
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.path=/prometheus',
        `--storage.tsdb.retention.time=${monitoring.retention}`,
      ],
      ports: [`${v('ENGRAM_PUBLISH_ADDRESS')}:${v('PROMETHEUS_HOST_PORT')}:9090`],
      volumes: ['prometheus-data:/prometheus', './monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro'],
      read_only: true,
      ...hardening,
      networks: [compose.network.name],
      depends_on: { engram: { condition: 'service_healthy' } },
      restart: compose.restart,
      logging,
    },
    grafana: {
      image: monitoringImage(model, monitoring.grafanaImage),
      profiles: [monitoring.profile],
      ports: [`${v('ENGRAM_PUBLISH_ADDRESS')}:${v('GRAFANA_HOST_PORT')}:3000`],
      volumes: [
        'grafana-data:/var/lib/grafana',
        './monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
        './monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ],
      environment: { GF_SECURITY_ADMIN_PASSWORD: v('GRAFANA_ADMIN_PASSWORD'), GF_ANALYTICS_REPORTING_ENABLED: 'false' },
      ...hardening,
      networks: [compose.network.name],
      depends_on: ['prometheus'],
      restart: compose.restart,
      logging,
    },
  };
}

function networks(model: EngramDeployModel): Record<string, unknown> {
  const { name, subnet, mtu } = model.compose.network;
  const network: Record<string, unknown> = { driver: 'bridge' };
  if (mtu !== null) network.driver_opts = { 'com.docker.network.driver.mtu': String(mtu) };
  if (subnet) network.ipam = { config: [{ subnet }] };
  return { [name]: network };
}

/** deployments/docker/docker-compose.yml: Engram, and Prometheus and Grafana behind the monitoring profile. */
export function renderComposeFile(model: EngramDeployModel): string {
  const volumes: Record<string, unknown> = {};
  if (model.persistence.enabled && !model.compose.dataVolume.hostPath) volumes[model.compose.dataVolume.name] = {};
  volumes['prometheus-data'] = {};
  volumes['grafana-data'] = {};
  const document = {
    name: model.name,
    services: { engram: engramService(model), ...monitoringServices(model) },
    volumes,
    networks: networks(model),
  };
  const usage = [
    '#',
    '# From this directory: `docker compose up -d` starts Engram on 127.0.0.1:7432 (HTTP) and :50051 (gRPC);',
    `# \`docker compose --profile ${model.compose.monitoring.profile} up -d\` adds Prometheus and Grafana.`,
    '# Variables and their defaults: .env.example.',
    '',
  ].join('\n');
  return `${generatedHeader(packageName, '#')}${usage}${stringify(document, yamlOptions)}`;
}

/** .env.example: every variable the Compose file interpolates, with its default and meaning. */
export function renderEnvExample(model: EngramDeployModel): string {
  const lines = composeVariables(model).flatMap((v) => [`# ${v.description}`, `${v.name}=${v.default}`, '']);
  return `${generatedHeader(packageName, '#')}# Copy to .env next to docker-compose.yml and change what you need.\n\n${lines.join('\n')}`;
}
