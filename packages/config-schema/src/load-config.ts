import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { ConfigValidationError, type ConfigIssue } from './issues';
import { normalize, type EngramDeployModel } from './normalize';
import { validate } from './validate';

/** Where the model lives in a workspace, relative to its root. */
export const defaultConfigPath = 'deployments/engram.deploy.yaml';

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Parses YAML (or JSON, a subset of YAML); syntax errors become issues with their line. */
export function parseConfigText(text: string): { data: unknown; issues: ConfigIssue[] } {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const issues = document.errors.map((error) => ({
    path: '(root)',
    message: `is not valid YAML: ${error.message.split('\n')[0]} at line ${lineOf(text, error.pos[0])}`,
    expected: 'a YAML or JSON document',
    given: 'unparsable text',
  }));
  return { data: issues.length ? undefined : (document.toJS() ?? {}), issues };
}

/** Parses, validates and normalizes the text of a model; throws ConfigValidationError listing every issue. */
export function modelFromText(text: string, source: string): EngramDeployModel {
  const parsed = parseConfigText(text);
  if (parsed.issues.length) throw new ConfigValidationError(source, parsed.issues);
  const result = validate(parsed.data);
  if (!result.ok) throw new ConfigValidationError(source, result.issues);
  return normalize(result.config as EngramDeployConfig);
}

/** Reads `deployments/engram.deploy.yaml` (or any YAML/JSON model) from disk and returns the model. */
export function loadConfig(path: string = defaultConfigPath): EngramDeployModel {
  return modelFromText(readFileSync(path, 'utf8'), path);
}
