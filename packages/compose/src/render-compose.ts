import {
  builderImage,
  configFilePath,
  dockerCpus,
  dockerMemory,
  engramImage,
  generatedHeader,
  healthCheckCommand,
  monitoringImage,
  renderContainerEnv,
  runtimeBaseImage,
  startArguments,
  type ConfigIssue,
  type EngramDeployModel,
} from '@engram/config-schema';
import { posix } from 'node:path';
import { stringify } from 'yaml';

export { dockerCpus, dockerMemory };

export const packageName = '@engram/compose';

/** Where the Compose stack is written, relative to the workspace root, unless --directory says otherwise. */
export const defaultComposeDirectory = 'deployments/docker';

/**
 * The image build as Compose runs it from the stack's directory: the context is the workspace root
 * (the Engram workspace the Dockerfile builds), the Dockerfile the one @engram/dockerfile writes into
 * the same directory.
 */
export function composeBuildPaths(directory: string): { context: string; dockerfile: string } {
  return {
    context: posix.relative(directory, '.') || '.',
    dockerfile: posix.join(directory, 'Dockerfile'),
  };
}

/** host:port as a URL authority: IPv6 addresses in brackets. */
function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

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
        'Host address the ports are published on. Keep 127.0.0.1: Engram has no authentication and its HTTP API serves an unauthenticated /shutdown; serve other hosts through a proxy with TLS and authentication.',
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
      default: '',
      description: `Grafana admin password, required by the profile "${compose.monitoring.profile}": Grafana refuses to start without one (there is no default). Choose your own, e.g. the output of \`openssl rand -base64 24\`.`,
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

/** Host addresses that keep a published port on this machine. */
const loopbackAddresses = ['127.0.0.1', '::1'];

/**
 * Warnings (in the style of validation issues) for a valid model that opens Engram beyond this host:
 * Engram has no authentication, so a port published on another address serves /shutdown to the network.
 */
export function exposureWarnings(model: EngramDeployModel): ConfigIssue[] {
  const address = model.compose.publishAddress;
  if (loopbackAddresses.includes(address)) return [];
  return [
    {
      path: 'compose.publishAddress',
      message: `publishes Engram's HTTP and gRPC ports (and Prometheus and Grafana) on ${address}, beyond this host: Engram has no authentication and serves an unauthenticated POST /shutdown to whoever reaches the port; prefer 127.0.0.1 behind a proxy with TLS and authentication`,
      expected: '"127.0.0.1" or "::1"',
      given: JSON.stringify(address),
    },
  ];
}

/**
 * Grafana's entry point behind a guard: without an admin password it exits with the reason instead
 * of starting with Grafana's default one. The variable is interpolated with an empty default rather
 * than Compose's \`:?\` form, which Compose checks for every service, profile or not, so it would stop
 * \`docker compose up\` of Engram alone. \`$$\` is Compose's escape for a literal \`$\`.
 */
export const grafanaPasswordGuard = [
  '/bin/sh',
  '-c',
  'test -n "$$GF_SECURITY_ADMIN_PASSWORD" || { echo "no admin password: set GRAFANA_ADMIN_PASSWORD in .env" >&2; exit 78; }; exec /run.sh "$$@"',
  'grafana',
];

/** The hardening every service of the stack gets. */
const hardening = {
  cap_drop: ['ALL'],
  security_opt: ['no-new-privileges:true'],
};

function engramService(model: EngramDeployModel, directory: string): Record<string, unknown> {
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
      ...composeBuildPaths(directory),
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
      entrypoint: grafanaPasswordGuard,
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

/**
 * The model with every `$` of its strings doubled: Compose interpolates `$NAME` and `${NAME}` in every
 * value of the file, so `$$` is how a model string keeps a literal `$` (`${HOME}` stays `${HOME}`
 * instead of becoming the operator's home). Only the renderer's own `${NAME:-default}` interpolate.
 */
export function composeLiterals<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('$', '$$$$') as T;
  if (Array.isArray(value)) return value.map(composeLiterals) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [composeLiterals(key), composeLiterals(item)]),
    ) as T;
  return value;
}

/** <directory>/docker-compose.yml: Engram, and Prometheus and Grafana behind the monitoring profile. */
export function renderComposeFile(givenModel: EngramDeployModel, directory = defaultComposeDirectory): string {
  const model = composeLiterals(givenModel);
  const volumes: Record<string, unknown> = {};
  if (model.persistence.enabled && !model.compose.dataVolume.hostPath) volumes[model.compose.dataVolume.name] = {};
  volumes['prometheus-data'] = {};
  volumes['grafana-data'] = {};
  const document = {
    name: model.name,
    services: { engram: engramService(model, directory), ...monitoringServices(model) },
    volumes,
    networks: networks(model),
  };
  const usage = [
    '#',
    `# From this directory: \`docker compose up -d\` starts Engram on ${hostPort(model.compose.publishAddress, model.ports.http)} (HTTP) and :${model.ports.grpc} (gRPC)`,
    '# unless .env sets ENGRAM_PUBLISH_ADDRESS, ENGRAM_HOST_HTTP_PORT or ENGRAM_HOST_GRPC_PORT;',
    `# \`docker compose --profile ${model.compose.monitoring.profile} up -d\` adds Prometheus and Grafana.`,
    '# Variables and their defaults: .env.example.',
    '',
  ].join('\n');
  return `${generatedHeader(packageName, '#', givenModel)}${usage}${escapeUnicodeLineBreaks(stringify(document, yamlOptions))}`;
}

const lineBreakEscapes: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

/**
 * Compose's YAML reader (Go) takes a raw NEL, LS or PS inside a quoted scalar for a line break and
 * folds it, so the container would get another value than the model's. The YAML writer puts strings
 * holding them in double quotes, where YAML's escapes `\N`, `\L` and `\P` keep each one exact.
 */
function escapeUnicodeLineBreaks(yaml: string): string {
  return yaml.replace(/[\u0085\u2028\u2029]/g, (character) => lineBreakEscapes[character]!);
}

/** .env.example: every variable the Compose file interpolates, with its default and meaning. */
export function renderEnvExample(model: EngramDeployModel): string {
  const lines = composeVariables(model).flatMap((v) => [`# ${v.description}`, `${v.name}=${v.default}`, '']);
  return `${generatedHeader(packageName, '#', model)}# Copy to .env next to docker-compose.yml and change what you need.\n\n${lines.join('\n')}`;
}
