import {
  engramDeploySchema,
  generatedHeader,
  resolveRef,
  type EngramDeployModel,
  type JsonSchema,
  type RenderedFile,
} from '@engram/config-schema';
import { Document, isMap, isScalar, isSeq, stringify, type Pair, type YAMLMap } from 'yaml';
import { renderContractTemplate, staticChartFiles } from './chart-templates';

export const packageName = '@engram/helm';

/** Model sections a Kubernetes install reads; image building and Compose stay out of the chart. */
export const chartSections = [
  'image',
  'runtime',
  'ports',
  'engram',
  'resources',
  'persistence',
  'security',
  'probes',
  'statefulset',
  'autoscaling',
  'service',
  'ingress',
  'monitoring',
  'networkPolicy',
  'podDisruptionBudget',
  'scheduling',
  'kubernetes',
] as const;

/** Keys of a section that mean nothing to a chart (the release chooses the namespace). */
const omitted: Record<string, string[]> = { kubernetes: ['namespace'] };

/**
 * Values of the original task's values.yaml that this chart does not take, each with the reason
 * and what to set instead. values.schema.json rejects them by name, so an old values file fails
 * loudly instead of being ignored.
 */
export const rejectedSeedValues: Record<string, string> = {
  serviceAccount: 'Set kubernetes.serviceAccount instead (create, name, annotations, automountToken).',
  securityContext:
    'Set security.* instead (runAsUser, runAsGroup, fsGroup, fsGroupChangePolicy): one block for the pod and the container.',
  containerSecurityContext:
    'Set security.* instead (readOnlyRootFilesystem, allowPrivilegeEscalation, capabilities, seccompProfile).',
  nodeSelector: 'Set scheduling.nodeSelector instead.',
  tolerations: 'Set scheduling.tolerations instead.',
  affinity: 'Set scheduling.affinity (a Kubernetes Affinity object) instead.',
  priorityClassName: 'Set scheduling.priorityClassName instead.',
  topologySpreadConstraints: 'Set scheduling.topologySpreadConstraints instead.',
  podAnnotations: 'Set kubernetes.podAnnotations instead.',
  podLabels: 'Set kubernetes.podLabels instead.',
  config:
    'Set engram.* instead (server, featureFlags, memorySpaces, security, persistence, extra); Engram has no [consolidation], [cache] or [performance] sections, and runtime.logLevel sets the log level.',
  env: 'Set kubernetes.extraEnv instead; Engram reads only the variables the chart already sets.',
  extraVolumes: 'Set kubernetes.extraVolumes instead.',
  extraVolumeMounts: 'Set kubernetes.extraVolumeMounts instead.',
  extraManifests: 'Set kubernetes.extraManifests instead.',
  backup: 'Backups are a separate task (a CronJob is not part of this chart yet).',
};

/** Keys inside the model's own sections that the task's values.yaml had and the chart does not take. */
const rejectedSeedSectionValues: Record<string, Record<string, string>> = {
  service: {
    httpPort: 'Set ports.http instead: one port for the container, the probes and the Services.',
    grpcPort: 'Set ports.grpc instead.',
    loadBalancerIP:
      'Deprecated by Kubernetes (1.24); use the annotations of your load balancer controller in service.annotations.',
    sessionAffinityTimeoutSeconds: "Not modelled: Kubernetes' default ClientIP timeout (3 hours) applies.",
  },
  autoscaling: {
    minReplicas: 'No autoscaling: Engram is a single-writer database until multi-node lands.',
    maxReplicas: 'No autoscaling: Engram is a single-writer database until multi-node lands.',
    targetCPUUtilizationPercentage: 'No autoscaling: Engram is a single-writer database until multi-node lands.',
    targetMemoryUtilizationPercentage: 'No autoscaling: Engram is a single-writer database until multi-node lands.',
  },
  persistence: {
    accessMode: 'Set persistence.accessModes (a list) instead.',
    dataSource:
      'Not supported: a claim template cannot be restored from a data source through this chart; restore into an existing claim and set persistence.existingClaim.',
  },
  networkPolicy: {
    policyTypes:
      'Always Ingress and Egress; shape the rules with allowExternal, ingressFrom, allowDnsEgress and extraEgress.',
    ingress:
      'Set networkPolicy.clientLabel, clientNamespaces, prometheus, ingressController or ingressFrom (peers) instead.',
    egress: 'Set networkPolicy.extraEgress instead.',
  },
};

function rejected(reason: string): JsonSchema {
  return { description: `Not used by this chart. ${reason}`, not: {} };
}

/** The `helm test` pod's image: sh and curl. */
const testImage = { repository: 'docker.io/curlimages/curl', tag: '8.17.0', pullPolicy: 'IfNotPresent' } as const;

/** The test pod's own resources: small, and enough for sh and three curl calls. */
const testResources = {
  requests: { cpu: '10m', memory: '16Mi' },
  limits: { cpu: '100m', memory: '64Mi' },
};

/** Values only the chart has. */
const helmOnlySchema: Record<string, JsonSchema> = {
  global: {
    description: 'Values shared with parent charts.',
    type: 'object',
    additionalProperties: true,
    default: {},
    properties: {
      imageRegistry: {
        description:
          'Registry that replaces the registry of every image of the chart (air-gapped mirrors); wins over image.registry.',
        type: 'string',
        pattern: engramDeploySchema.properties?.image?.properties?.registry?.pattern,
        default: '',
      },
      imagePullSecrets: {
        description:
          'Pull secrets added to those of each pod of the chart (image.pullSecrets for Engram, tests.pullSecrets for the test pod), each name once. Names, or {name: ...} objects as parent charts write them.',
        type: 'array',
        items: {
          anyOf: [
            { $ref: '#/$defs/dnsSubdomain' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              properties: { name: { $ref: '#/$defs/dnsSubdomain' } },
            },
          ],
        },
        default: [],
      },
      storageClass: {
        description:
          'StorageClass of the data claim when persistence.storageClass is empty (persistence.storageClass wins). Empty uses the cluster default; \'-\' asks for no class (storageClassName: ""). Fixed at install: see the README on changing it.',
        type: 'string',
        pattern: engramDeploySchema.properties?.persistence?.properties?.storageClass?.pattern,
        maxLength: 253,
        default: '',
      },
    },
  },
  nameOverride: {
    description: 'Replaces the chart name in object names: a DNS label, or empty.',
    type: 'string',
    pattern: '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$',
    default: '',
  },
  fullnameOverride: {
    description: 'Replaces the whole object name prefix: a DNS label, or empty.',
    type: 'string',
    pattern: '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$',
    default: '',
  },
  tests: {
    description: 'The `helm test` pod, which checks readiness and round-trips a memory.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      image: {
        description: 'An image with sh and curl.',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          repository: {
            description: 'Repository of the test image.',
            $ref: '#/$defs/imageRepository',
            default: testImage.repository,
          },
          tag: { description: 'Tag of the test image.', $ref: '#/$defs/imageTag', default: testImage.tag },
          pullPolicy: {
            description: 'Pull policy of the test image.',
            type: 'string',
            enum: ['Always', 'IfNotPresent', 'Never'],
            default: testImage.pullPolicy,
          },
        },
      },
      pullSecrets: {
        description: 'Pull secrets of the test pod.',
        type: 'array',
        items: { $ref: '#/$defs/dnsSubdomain' },
        default: [],
      },
      resources: {
        description:
          'Requests and limits of the test pod. Set a quantity to null to leave it out, e.g. the CPU request on a node whose CPUs Engram requests in full.',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          requests: {
            description: 'Requests of the test pod.',
            $ref: '#/$defs/resourceSet',
            default: testResources.requests,
          },
          limits: {
            description: 'Limits of the test pod.',
            $ref: '#/$defs/resourceSet',
            default: testResources.limits,
          },
        },
      },
    },
  },
};

function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * values.schema.json: the model's own JSON Schema for the chart's sections, with the rules Helm can
 * enforce by itself made strict (one replica, no autoscaling), plus the chart-only values and the
 * task's value names (statefulset.replicaCount, monitoring.prometheus) as accepted aliases.
 */
export function renderValuesSchema(): Record<string, unknown> {
  const properties: Record<string, JsonSchema> = {};
  for (const section of chartSections) {
    const schema = clone(engramDeploySchema.properties?.[section]) as JsonSchema;
    for (const key of omitted[section] ?? []) delete schema.properties?.[key];
    properties[section] = schema;
  }
  const statefulset = properties.statefulset?.properties as Record<string, JsonSchema>;
  statefulset.replicas = {
    ...statefulset.replicas,
    const: 1,
    description: 'Must be 1: Engram is a single-writer database until multi-node lands.',
  };
  statefulset.replicaCount = {
    description: 'Alias of replicas, as the original values named it. Must be 1: Engram is a single-writer database.',
    const: 1,
    default: 1,
  };
  const autoscaling = properties.autoscaling?.properties as Record<string, JsonSchema>;
  autoscaling.enabled = {
    ...autoscaling.enabled,
    const: false,
    description:
      'Must be false: autoscaling a single-writer StatefulSet would fork the database (multi-node is a later milestone).',
  };
  const persistence = properties.persistence?.properties as Record<string, JsonSchema>;
  persistence.storageClass = {
    ...persistence.storageClass,
    description:
      'StorageClass of the claim. Empty uses global.storageClass, else the cluster default; \'-\' asks for no class (storageClassName: ""). Wins over global.storageClass. Fixed at install: see the README on changing it.',
  };
  const engramSecurity = (properties.engram?.properties as Record<string, JsonSchema>).security as JsonSchema;
  const authMode = (engramSecurity.properties as Record<string, JsonSchema>).authMode as JsonSchema;
  (engramSecurity.properties as Record<string, JsonSchema>).authMode = { ...authMode, enum: ['none'] };
  const ingressPath = ((
    ((properties.ingress?.properties as Record<string, JsonSchema>).hosts?.items as JsonSchema).properties as Record<
      string,
      JsonSchema
    >
  ).paths?.items as JsonSchema).properties as Record<string, JsonSchema>;
  ingressPath.pathType = {
    ...ingressPath.pathType,
    enum: (ingressPath.pathType?.enum ?? []).filter((type) => type !== 'ImplementationSpecific'),
  };
  for (const [section, keys] of Object.entries(rejectedSeedSectionValues)) {
    const sectionProperties = properties[section]?.properties as Record<string, JsonSchema>;
    for (const [key, reason] of Object.entries(keys)) sectionProperties[key] = rejected(reason);
  }
  const helmOnly = clone(helmOnlySchema);
  (properties.monitoring?.properties as Record<string, JsonSchema>).grafana = rejected(
    'No Grafana subchart: set monitoring.grafanaDashboards for dashboards, and run Grafana yourself.',
  );
  (properties.monitoring?.properties as Record<string, JsonSchema>).prometheus = {
    description:
      "The original values' name for the ServiceMonitor switch: prometheus.serviceMonitor.enabled turns on monitoring.serviceMonitor.",
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      enabled: {
        description: 'Accepted for compatibility; scraping needs no switch.',
        type: 'boolean',
        default: false,
      },
      serviceMonitor: {
        description: 'Alias of monitoring.serviceMonitor.enabled.',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          enabled: { description: 'Create a ServiceMonitor.', type: 'boolean', default: false },
          interval: rejected('Set monitoring.serviceMonitor.interval instead.'),
          scrapeTimeout: rejected('Set monitoring.serviceMonitor.scrapeTimeout instead.'),
          labels: rejected('Set monitoring.serviceMonitor.labels instead.'),
        },
      },
    },
  };
  return {
    $schema: engramDeploySchema.$schema,
    title: 'Values of the Engram Helm chart',
    description: 'Generated by @engram/helm from the JSON Schema of @engram/config-schema.',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...helmOnly,
      ...properties,
      ...Object.fromEntries(Object.entries(rejectedSeedValues).map(([key, reason]) => [key, rejected(reason)])),
    },
    $defs: engramDeploySchema.$defs,
  };
}

/** Chart defaults: the model's values, with derived values left to the templates. */
export function chartValues(model: EngramDeployModel): Record<string, unknown> {
  const values: Record<string, any> = {
    global: { imageRegistry: '', imagePullSecrets: [], storageClass: '' },
    nameOverride: '',
    // A renamed model names its objects as @engram/k8s does, whatever the release is called.
    fullnameOverride: model.name === engramDeploySchema.properties?.name?.default ? '' : model.name,
  };
  for (const section of chartSections) {
    const value = clone(model[section]) as Record<string, unknown>;
    for (const key of omitted[section] ?? []) delete value[key];
    values[section] = value;
  }
  // Derived in the templates from the chart's appVersion and the release name.
  values.image.tag = model.image.tag === model.appVersion ? '' : model.image.tag;
  values.kubernetes.serviceAccount.name =
    model.kubernetes.serviceAccount.name === model.name ? '' : model.kubernetes.serviceAccount.name;
  values.networkPolicy.clientLabel.key =
    model.networkPolicy.clientLabel.key === `${model.name}-client` ? '' : model.networkPolicy.clientLabel.key;
  values.tests = {
    image: { ...testImage },
    pullSecrets: [],
    resources: clone(testResources),
  };
  return values;
}

/** The schema node that describes `path` in values.schema.json. */
function schemaAt(schema: JsonSchema, root: JsonSchema, key: string): JsonSchema | undefined {
  const resolved = resolveRef(schema, root);
  return resolved.properties?.[key];
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Puts each value's schema description above it, so values.yaml documents itself. */
function commentValues(node: YAMLMap, schema: JsonSchema, root: JsonSchema): void {
  for (const pair of node.items as Pair[]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const child = schemaAt(schema, root, key);
    if (!child) continue;
    const description = child.description ?? resolveRef(child, root).description;
    if (description && isScalar(pair.key))
      pair.key.commentBefore = wrap(description, 100)
        .map((line) => ` ${line}`)
        .join('\n');
    if (isMap(pair.value)) commentValues(pair.value, child, root);
    if (isSeq(pair.value) && pair.value.items.length === 0) continue;
  }
}

export function renderValuesYaml(model: EngramDeployModel): string {
  const schema = renderValuesSchema() as JsonSchema;
  const document = new Document(chartValues(model), { aliasDuplicateObjects: false });
  commentValues(document.contents as YAMLMap, schema, schema);
  return `${generatedHeader(packageName, '#', model)}${document.toString({ lineWidth: 0 })}`;
}

/** A small inline icon, so the chart carries one without pointing at a host we do not control. */
const chartIcon = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#2b3a67"/><circle cx="20" cy="24" r="6" fill="#f4d35e"/><circle cx="44" cy="22" r="6" fill="#f4d35e"/><circle cx="32" cy="44" r="6" fill="#f4d35e"/><path d="M20 24L44 22L32 44Z" fill="none" stroke="#f4d35e" stroke-width="3"/></svg>',
).toString('base64')}`;

export function renderChartYaml(model: EngramDeployModel): string {
  const chart = {
    apiVersion: 'v2',
    name: 'engram',
    description:
      'Engram, a cognitive graph database, as a single-writer StatefulSet that meets Pod Security "restricted"',
    type: 'application',
    version: model.appVersion,
    appVersion: model.appVersion,
    kubeVersion: '>=1.28.0-0',
    icon: chartIcon,
    keywords: ['engram', 'database', 'graph', 'memory', 'statefulset'],
    maintainers: [{ name: 'Engram maintainers' }],
    annotations: {
      'artifacthub.io/category': 'database',
      'artifacthub.io/prerelease': String(/-/.test(model.appVersion)),
      'artifacthub.io/containsSecurityUpdates': 'false',
      'artifacthub.io/images': stringify([
        { name: 'engram', image: `${model.image.repository}:${model.image.tag}` },
      ]).trim(),
    },
  };
  return `${generatedHeader(packageName, '#', model)}${stringify(chart, { lineWidth: 0 })}`;
}

function typeText(schema: JsonSchema, root: JsonSchema): string {
  const resolved = resolveRef(schema, root);
  if (resolved.not) return 'rejected';
  if (resolved.enum) return resolved.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (resolved.type === 'array') return 'list';
  if (resolved.type === 'object') return 'object';
  return Array.isArray(resolved.type) ? resolved.type.join(' \\| ') : String(resolved.type ?? 'value');
}

function valueRows(schema: JsonSchema, root: JsonSchema, values: unknown, path: string): string[] {
  const resolved = resolveRef(schema, root);
  if (resolved.properties) {
    return Object.entries(resolved.properties).flatMap(([key, child]) =>
      valueRows(child, root, (values as Record<string, unknown> | undefined)?.[key], path ? `${path}.${key}` : key),
    );
  }
  const description = (schema.description ?? resolved.description ?? '').replace(/\|/g, '\\|');
  const value = JSON.stringify(values ?? schema.default ?? null).replace(/\|/g, '\\|');
  return [`| \`${path}\` | ${typeText(schema, root)} | \`${value}\` | ${description} |`];
}

export function renderChartReadme(model: EngramDeployModel): string {
  const schema = renderValuesSchema() as JsonSchema;
  const rows = valueRows(schema, schema, chartValues(model), '');
  return `<!--\n${generatedHeader(packageName, '', model)}-->

# Engram Helm chart

Engram ${model.appVersion} as a single-writer StatefulSet that meets Pod Security "restricted": probes
on Engram's real endpoints, config.toml from a ConfigMap (a change rolls the pod), a persistent volume
per pod, a headless and a client Service, NetworkPolicy, PodDisruptionBudget, and optional Ingress and
ServiceMonitor.

\`\`\`sh
helm install engram deployments/helm/engram --namespace engram --create-namespace --wait --timeout 5m
helm test engram --namespace engram
\`\`\`

\`values.schema.json\` rejects values Engram cannot run with (for example more than one replica, or
autoscaling) before anything reaches the cluster. Values have the same names as the deployment model
(\`deployments/engram.deploy.yaml\`); the original names \`statefulset.replicaCount\` and
\`monitoring.prometheus.serviceMonitor.enabled\` are accepted too.

Engram has no authentication of its own (the chart refuses \`engram.security.authMode: api_key\`: Engram
0.1.x cannot create API keys), so the NetworkPolicy is closed by default: only pods labelled
\`<fullname>-client: "true"\` (\`networkPolicy.clientLabel\`) in the release namespace and in
\`networkPolicy.clientNamespaces\`, Prometheus while scraping is on (\`networkPolicy.prometheus\`) and the
ingress controller while the Ingress is enabled (\`networkPolicy.ingressController\`) get in. Give your
client pods that label (NOTES.txt prints it); \`networkPolicy.allowExternal: true\` opens Engram to every
source. The Ingress routes only API paths (\`/api/v1/memories\`, \`/api/v1/spaces\`,
\`/api/v1/system/health\`, \`/health\` by default), never \`/shutdown\` or \`/metrics\`, over TLS from
\`ingress.tls\` (cert-manager through \`ingress.certManager\`).

Upgrades never change the StatefulSet's immutable fields: the selector and the claim template carry only
\`app.kubernetes.io/name\` and \`app.kubernetes.io/instance\`. A claim in existing-claim mode carries
\`helm.sh/resource-policy: keep\`, and claims from the template outlive \`helm uninstall\`.

\`global.imageRegistry\`, \`global.imagePullSecrets\` and \`global.storageClass\` work as in other charts, so
a parent chart can set them once for all its subcharts. \`global.imagePullSecrets\` (names or
\`{name: ...}\` objects) is added to \`image.pullSecrets\` on the Engram pod and to \`tests.pullSecrets\` on the
test pod. For the data claim's class the chart's own value wins: \`persistence.storageClass\`, else
\`global.storageClass\`, else the cluster default; \`-\` in either asks for no class (\`storageClassName: ""\`).

Whole numbers under \`engram.extra\` are written to config.toml as TOML integers (Helm reads every number
of a values file as a float; the chart turns whole ones back into integers, as the deployment model does).

## Changing the storage class after install

The class is part of the StatefulSet's claim template, which no upgrade may change, and a claim keeps its
class for life. Changing \`persistence.storageClass\` or \`global.storageClass\` (likewise
\`persistence.size\`, \`accessModes\` or \`annotations\`) of an installed release makes \`helm upgrade\` fail
with \`spec: Forbidden: updates to statefulset spec for fields other than ...\`. The path, with
\`<fullname>\` the StatefulSet's name:

1. Stop Engram: \`kubectl scale statefulset/<fullname> --replicas=0\`.
2. Recreate its claim \`data-<fullname>-0\` in the new class with the same data: take a VolumeSnapshot of
   it, delete it, and create a claim of the same name in the new class with the snapshot as its
   \`dataSource\` (or copy the files through a temporary claim with a one-off pod).
3. Remove the StatefulSet and nothing else: \`kubectl delete statefulset <fullname> --cascade=orphan\`.
4. \`helm upgrade\` with the new class: the new StatefulSet adopts the claim by its name and starts Engram.

## Values

| key | type | default | description |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}

/** Every file of the chart: the generated ones, then the static templates, under `directory`. */
export function chartFiles(model: EngramDeployModel, directory: string): RenderedFile[] {
  const at = (path: string) => `${directory}/${path}`;
  return [
    { path: at('Chart.yaml'), content: renderChartYaml(model) },
    { path: at('values.yaml'), content: renderValuesYaml(model) },
    { path: at('values.schema.json'), content: `${JSON.stringify(renderValuesSchema(), null, 2)}\n` },
    { path: at('README.md'), content: renderChartReadme(model) },
    { path: at('templates/_contract.tpl'), content: renderContractTemplate() },
    ...staticChartFiles().map((file) => ({ path: at(file.path), content: file.content })),
  ];
}
