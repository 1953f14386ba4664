import { contractEnv, contractToml, type Condition, type ModelPath } from '@engram/config-schema';

// The chart's helper templates for Engram's environment and config.toml, written from the runtime
// contract's tables (@engram/config-schema), which every other target reads too. The chart's values
// have the model's shape, so a model path is a values path.

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

/** `engram.configToml`: the contract's keys, then engram.extra merged over them, as TOML. */
function configTomlTemplate(): string[] {
  const table = (keys: string[]) => (keys.length ? `(index $config ${keys.map(quoted).join(' ')})` : '$config');
  return [
    '{{- define "engram.configToml" -}}',
    '{{- $config := dict }}',
    ...contractToml.flatMap((row) => {
      const keys = row.key.split('.');
      const leaf = keys.pop()!;
      const tables = keys.map(
        (key, depth) =>
          `{{- if not (hasKey ${table(keys.slice(0, depth))} ${quoted(key)}) }}{{- $_ := set ${table(keys.slice(0, depth))} ${quoted(key)} (dict) }}{{- end }}`,
      );
      return guarded(row.when, row.from, [...tables, `{{- $_ := set ${table(keys)} ${quoted(leaf)} ${values(row.from)} }}`]);
    }),
    '{{- include "engram.tomlMerge" (dict "into" $config "from" (deepCopy .Values.engram.extra)) }}',
    '{{- $holder := dict "v" $config }}',
    '{{- include "engram.tomlIntegers" $holder }}',
    '{{- toToml $holder.v }}',
    '{{- end }}',
  ];
}

/** templates/_runtime-contract.tpl */
export function runtimeContractTemplate(header: string): string {
  return [header.trimEnd(), ...envTemplate(), '', ...configTomlTemplate(), ''].join('\n');
}
