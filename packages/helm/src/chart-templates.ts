import {
  configMapKey,
  contractEnv,
  contractMetricsEndpoint,
  contractProbes,
  contractStartArguments,
  contractToml,
  normalize,
  objectNames,
  portNames,
  serviceRoleLabel,
  type Condition,
  type ModelPath,
} from '@engram/config-schema';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * The chart's templates are Go template files under generators/chart/files/, copied as they are
 * (the build copies files/ into dist/, so this path holds from src and from the published package).
 * They read values shaped like the deployment model and produce the objects @engram/k8s renders;
 * the equivalence test holds `helm template` against those objects.
 */
const staticChartDirectory = join(__dirname, 'generators', 'chart', 'files');

/** The static chart files, as paths relative to the chart directory (with `/`) and their text. */
export function staticChartFiles(): { path: string; content: string }[] {
  return (readdirSync(staticChartDirectory, { recursive: true }) as string[])
    .filter((path) => statSync(join(staticChartDirectory, path)).isFile())
    .sort()
    .map((path) => ({
      path: path.split(sep).join('/'),
      content: readFileSync(join(staticChartDirectory, path), 'utf8'),
    }));
}

/** The names the runtime contract gives the container and its volumes (the claim of pod 0 is data-<StatefulSet>-0). */
const { container, dataVolume, configVolume, tmpVolume } = objectNames(normalize({}));

/** The model's default Ingress paths, for hosts whose values name none. */
const defaultIngressPaths = normalize({ ingress: { hosts: [{ host: 'engram.example.com' }] } }).ingress.hosts[0]!.paths;

/**
 * What the templates must agree on with @engram/k8s and the model, by the name of the template
 * that gives it: `{{ include "engram.portNames.http" . }}`.
 */
const contract: Record<string, string> = {
  'names.container': container,
  'names.dataVolume': dataVolume,
  'names.configVolume': configVolume,
  'names.tmpVolume': tmpVolume,
  'portNames.http': portNames.http,
  'portNames.grpc': portNames.grpc,
  configMapKey,
  serviceRoleLabel,
  defaultIngressPaths: JSON.stringify(defaultIngressPaths),
  metricsPath: `{{ .Values.${contractMetricsEndpoint.path} }}`,
};

// The environment and config.toml, from the runtime contract's tables (@engram/config-schema), which
// every other target reads too. The chart's values have the model's shape, so a model path is a values path.
const values = (path: ModelPath) => `.Values.${path}`;
const quoted = (key: string) => JSON.stringify(key);

function guarded(condition: Condition | undefined, path: ModelPath, body: string[]): string[] {
  switch (condition ?? 'always') {
    case 'always':
      return body;
    case 'set':
      return [`{{- if ${values(path)} }}`, ...body, '{{- end }}'];
    case 'positive':
      return [`{{- if gt (int ${values(path)}) 0 }}`, ...body, '{{- end }}'];
  }
}

/** `engram.env`: the container's environment, a YAML list. */
function envTemplate(): string[] {
  return [
    '{{- define "engram.env" -}}',
    ...contractEnv.flatMap((row) =>
      guarded(row.when, row.from, [
        `- name: ${row.name}`,
        `  value: ${row.value === undefined ? `{{ ${values(row.from)} | quote }}` : quoted(row.value)}`,
      ]),
    ),
    '{{- end }}',
  ];
}

/** `engram.args`: the start arguments after the binary, a YAML list. */
function argsTemplate(): string[] {
  return [
    '{{- define "engram.args" -}}',
    ...contractStartArguments.flatMap((row) =>
      'list' in row
        ? [`{{- range ${values(row.list)} }}`, '- {{ . | quote }}', '{{- end }}']
        : [`- {{ printf "%s=%v" ${values(row.flag)} ${values(row.from)} | quote }}`],
    ),
    '{{- end }}',
  ];
}

/** `engram.probes`: the container's enabled HTTP probes, on the paths the contract names. */
function probesTemplate(): string[] {
  return [
    '{{- define "engram.probes" -}}',
    ...contractProbes.flatMap((row) => [
      `{{- if ${values(row.timings)}.enabled }}`,
      `${row.probe}Probe:`,
      `  {{- include "engram.probe" (dict "path" ${values(row.path)} "probe" ${values(row.timings)}) | nindent 2 }}`,
      '{{- end }}',
    ]),
    '{{- end }}',
  ];
}

/** `engram.configToml`: the contract's keys, then engram.extra merged over them, as TOML. */
function configTomlTemplate(): string[] {
  const table = (keys: string[]) => (keys.length ? `(index $config ${keys.map(quoted).join(' ')})` : '$config');
  // Tables that rows without a condition have made: later rows need not check for them.
  const made = new Set<string>();
  return [
    '{{- define "engram.configToml" -}}',
    '{{- $config := dict }}',
    ...contractToml.flatMap((row) => {
      const keys = row.key.split('.');
      const leaf = keys.pop()!;
      const unconditional = (row.when ?? 'always') === 'always';
      const tables = keys.flatMap((key, depth) => {
        const path = keys.slice(0, depth + 1).join('.');
        if (made.has(path)) return [];
        if (unconditional) made.add(path);
        const parent = table(keys.slice(0, depth));
        return [
          `{{- if not (hasKey ${parent} ${quoted(key)}) }}{{- $_ := set ${parent} ${quoted(key)} (dict) }}{{- end }}`,
        ];
      });
      return guarded(row.when, row.from, [
        ...tables,
        `{{- $_ := set ${table(keys)} ${quoted(leaf)} ${values(row.from)} }}`,
      ]);
    }),
    '{{- include "engram.tomlMerge" (dict "into" $config "from" (deepCopy .Values.engram.extra)) }}',
    '{{- $holder := dict "v" $config }}',
    '{{- include "engram.tomlIntegers" $holder }}',
    '{{- toToml $holder.v }}',
    '{{- end }}',
  ];
}

/** templates/_contract.tpl: the contract as named templates, the only template written from TypeScript. */
export function renderContractTemplate(): string {
  const defines = Object.entries(contract).map(([name, value]) => `{{- define "engram.${name}" -}}${value}{{- end }}`);
  return [
    '{{- /* Names, defaults, environment and config.toml the chart shares with @engram/k8s and the deployment model. Generated by @engram/helm from @engram/k8s and the runtime contract of @engram/config-schema: change them there and regenerate. */ -}}',
    ...defines,
    ...envTemplate(),
    ...argsTemplate(),
    ...probesTemplate(),
    ...configTomlTemplate(),
    '',
  ].join('\n');
}
