import { ConfigValidationError, layoutFor, type ConfigIssue, type EngramDeployModel } from '@engram/config-schema';

export { layoutFor, type BareMetalLayout } from '@engram/config-schema';

export const packageName = '@engram/systemd';

/**
 * Strict grammars for every model string that reaches the unit file or install.sh. Values that
 * pass them still go through the quoting of each format; the grammars keep paths and names free of
 * whitespace, quotes, `%`, `$` and control characters, which neither format should have to carry.
 */
const grammar = {
  /** systemd-sysusers and useradd portability: 31 characters at most, no leading digit or dash. */
  accountName: {
    pattern: /^[a-z_][a-z0-9_-]{0,30}$/,
    expected: 'a user and unit name of at most 31 characters of [a-z0-9_-], starting with a letter',
  },
  absolutePath: {
    pattern: /^(\/(?!\.\.?(\/|$))[A-Za-z0-9._+-]+)+$/,
    expected: 'an absolute path of [A-Za-z0-9._+-] segments, without . or .. segments',
  },
  configFile: {
    pattern: /^[a-z0-9][a-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*\.toml$/,
    expected:
      'DIRECTORY/FILE.toml: one directory below XDG_CONFIG_HOME (systemd ConfigurationDirectory=) and the file name',
  },
  argument: {
    pattern: /^[\x20-\x7e]*$/,
    expected: 'printable ASCII without control characters (the unit quotes it)',
  },
} as const;

function check(
  issues: ConfigIssue[],
  path: string,
  value: string,
  rule: { pattern: RegExp; expected: string },
  message = 'cannot be written into a systemd unit or a shell script',
): void {
  if (!rule.pattern.test(value)) issues.push({ path, message, expected: rule.expected, given: JSON.stringify(value) });
}

/** Everything wrong with a model for a bare-metal install; empty when it can be rendered. */
export function bareMetalIssues(model: EngramDeployModel): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { runtime } = model;
  check(issues, 'name', model.name, grammar.accountName, 'names the unit, the system user and its directories');
  check(issues, 'runtime.binaryPath', runtime.binaryPath, grammar.absolutePath);
  check(issues, 'runtime.configFile', runtime.configFile, grammar.configFile);
  runtime.startCommand.forEach((word, index) =>
    check(issues, `runtime.startCommand[${index}]`, word, grammar.argument),
  );
  runtime.extraArgs.forEach((word, index) => check(issues, `runtime.extraArgs[${index}]`, word, grammar.argument));
  return issues;
}

/** Throws a ConfigValidationError listing every issue; nothing is rendered from such a model. */
export function assertBareMetal(model: EngramDeployModel, source = 'the deployment model'): void {
  const issues = bareMetalIssues(model);
  if (issues.length) throw new ConfigValidationError(source, issues);
}

/**
 * The model as Engram sees it on a host: the same settings, with the host's paths and bind
 * address. The shared renderers (config.toml, the environment) take it unchanged.
 */
export function bareMetalModel(model: EngramDeployModel): EngramDeployModel {
  const layout = layoutFor(model);
  return {
    ...model,
    runtime: {
      ...model.runtime,
      dataDir: layout.dataDir,
      pidPath: layout.pidPath,
      configHome: layout.configHome,
      tmpDir: layout.tmpDir,
      consolidationAlertLog: layout.consolidationAlertLog,
    },
    engram: {
      ...model.engram,
      server: { ...model.engram.server, httpBind: layout.httpBind },
      // The model's path is the container's (often a mount); Engram's own default is relative to
      // its working directory. On a host the store always lives in the state directory when used.
      security: {
        ...model.engram.security,
        apiKeysStoragePath:
          model.engram.security.authMode === 'api_key' || model.engram.security.apiKeysStoragePath
            ? layout.apiKeysStoragePath
            : '',
      },
    },
  };
}
