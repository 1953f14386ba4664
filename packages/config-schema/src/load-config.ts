import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { ConfigValidationError, type ConfigIssue } from './issues';
import { normalize, type EngramDeployModel } from './normalize';
import { validate } from './validate';

/** Where the model lives in a workspace, relative to its root. */
export const defaultConfigPath = 'deployments/engram.deploy.yaml';

/** Aliases a model may use: far more than a hand-written file needs, far fewer than an alias bomb. */
const maxAliasCount = 100;

export interface LoadOptions {
  /** Take an empty file (or one holding only comments or `null`) as the default model instead of an issue. */
  emptyIsDefault?: boolean;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

function rootIssue(message: string, expected: string, given: string): ConfigIssue {
  return { path: '(root)', message, expected, given };
}

/** Levels of flow collections (`[`, `{`) or columns of indentation beyond which no model goes. */
const maxFlowDepth = 64;
const maxIndentation = 256;

/**
 * How deep the text nests, read without parsing it: the YAML parser recurses per level, so a text
 * nested thousands deep would exhaust the stack (or take seconds) before any check of the data.
 */
function textNesting(text: string): { line: number; why: string } | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  let lineStart = true;
  let indentation = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      line++;
      lineStart = true;
      indentation = 0;
      continue;
    }
    if (lineStart) {
      if (char === ' ') {
        if (++indentation > maxIndentation) return { line, why: `is indented more than ${maxIndentation} columns` };
        continue;
      }
      lineStart = false;
    }
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'") quote = char;
    else if (char === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (char === '[' || char === '{') {
      if (++depth > maxFlowDepth) return { line, why: `nests more than ${maxFlowDepth} levels of [ ] or { }` };
    } else if ((char === ']' || char === '}') && depth > 0) depth--;
  }
  return undefined;
}

/** YAML errors reported at most: one broken line can cascade into hundreds. */
const maxSyntaxIssues = 20;

/** Parses YAML (or JSON, a subset of YAML); syntax errors become issues with their line. */
export function parseConfigText(text: string, options: LoadOptions = {}): { data: unknown; issues: ConfigIssue[] } {
  const nesting = textNesting(text);
  if (nesting) {
    return {
      data: undefined,
      issues: [
        rootIssue(
          `${nesting.why} at line ${nesting.line}; no model key goes that deep`,
          `at most ${maxFlowDepth} levels of nesting`,
          'a deeper document',
        ),
      ],
    };
  }
  let document;
  try {
    document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    return {
      data: undefined,
      issues: [
        rootIssue(`could not be parsed: ${(error as Error).message}`, 'a YAML or JSON document', 'unparsable text'),
      ],
    };
  }
  const issues = document.errors
    .slice(0, maxSyntaxIssues)
    .map((error) =>
      rootIssue(
        `is not valid YAML: ${error.message.split('\n')[0]} at line ${lineOf(text, error.pos[0])}`,
        'a YAML or JSON document',
        'unparsable text',
      ),
    );
  if (issues.length) return { data: undefined, issues };
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount });
  } catch (error) {
    const message =
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `expands YAML aliases more than ${maxAliasCount} times (an alias bomb would exhaust memory)`
        : `could not be read as data: ${(error as Error).message}`;
    return {
      data: undefined,
      issues: [rootIssue(message, `at most ${maxAliasCount} alias expansions`, 'a document of nested aliases')],
    };
  }
  if (data === null || data === undefined) {
    if (options.emptyIsDefault) return { data: {}, issues: [] };
    return {
      data: undefined,
      issues: [rootIssue('the model is empty', 'a YAML mapping, at least `{}` for every default', 'an empty document')],
    };
  }
  return { data, issues: [] };
}

const modelSources = new WeakMap<EngramDeployModel, string>();

/** The workspace file a generator read the model from (generated headers name it); the default path otherwise. */
export function modelSource(model: EngramDeployModel): string {
  return modelSources.get(model) ?? defaultConfigPath;
}

/** Records where a model was read from (the workspace-relative path, whatever spelling the user gave). */
export function recordModelSource(model: EngramDeployModel, source: string): EngramDeployModel {
  modelSources.set(model, source);
  return model;
}

/** Parses, validates and normalizes the text of a model; throws ConfigValidationError listing every issue. */
export function modelFromText(text: string, source: string, options: LoadOptions = {}): EngramDeployModel {
  const parsed = parseConfigText(text, options);
  if (parsed.issues.length) throw new ConfigValidationError(source, parsed.issues);
  const result = validate(parsed.data);
  if (!result.ok) throw new ConfigValidationError(source, result.issues);
  return normalize(result.config as EngramDeployConfig);
}

/**
 * Reads `deployments/engram.deploy.yaml` (or any YAML/JSON model) from disk and returns the model.
 * Every failure, a missing or unreadable file and bytes that are not UTF-8 included, throws
 * ConfigValidationError with the file as its source and issues with a path.
 */
export function loadConfig(path: string = defaultConfigPath, options: LoadOptions = {}): EngramDeployModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new ConfigValidationError(path, [
      rootIssue(`the model file ${message}`, 'a readable YAML or JSON file', path),
    ]);
  }
  return modelFromBytes(bytes, path, options);
}

/** The model in the bytes of a file: UTF-8 is checked, not repaired (invalid bytes are an issue). */
export function modelFromBytes(bytes: Uint8Array, source: string, options: LoadOptions = {}): EngramDeployModel {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigValidationError(source, [
      rootIssue('is not valid UTF-8 (invalid bytes are never replaced silently)', 'UTF-8 text', 'invalid bytes'),
    ]);
  }
  return modelFromText(text, source, options);
}
