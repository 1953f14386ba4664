import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { closest, distance } from 'fastest-levenshtein';
import type { EngramDeployConfig } from './generated/engram-deploy-config';
import { describeGiven, type ConfigIssue } from './issues';
import { normalize } from './normalize';
import { checkRules } from './rules';
import { engramDeploySchema, type JsonSchema } from './schema';

export type ValidationResult =
  { ok: true; config: EngramDeployConfig; issues: [] } | { ok: false; issues: ConfigIssue[] };

const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
const validateSchema = ajv.compile<EngramDeployConfig>(engramDeploySchema);

/** `/engram/memorySpaces/bootstrapSpaces/1` -> `engram.memorySpaces.bootstrapSpaces[1]`. */
export function toDottedPath(pointer: string, extra?: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let path = '';
  for (const segment of segments) {
    if (/^[0-9]+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path || '(root)';
}

/** A named definition's description says what its values look like better than a regex. */
function expectedFormat(error: ErrorObject): string {
  const definition = /^#\/\$defs\/([^/]+)\//.exec(error.schemaPath)?.[1];
  const described = definition ? engramDeploySchema.$defs?.[definition]?.description : undefined;
  return described ?? `a string matching /${String(error.params.pattern)}/`;
}

function didYouMean(unknownKey: string, knownKeys: string[]): string {
  if (knownKeys.length === 0) return '';
  const candidate = closest(unknownKey, knownKeys);
  const close =
    distance(unknownKey.toLowerCase(), candidate.toLowerCase()) <= Math.max(2, Math.floor(candidate.length / 3));
  return close ? `; did you mean "${candidate}"?` : '';
}

function issueFromAjv(error: ErrorObject): ConfigIssue | undefined {
  const params = error.params as Record<string, any>;
  if (error.keyword === 'propertyNames') return undefined;
  if (error.propertyName !== undefined) {
    // A key of a free-form map (labels, annotations) failed its own grammar.
    return {
      path: toDottedPath(error.instancePath, error.propertyName),
      message: error.keyword === 'maxLength' ? 'is too long a key' : 'is not a valid key',
      expected: error.keyword === 'maxLength' ? `at most ${params.limit} character(s)` : expectedFormat(error),
      given: describeGiven(error.propertyName),
    };
  }
  const path = toDottedPath(error.instancePath);
  const given = describeGiven(error.data);
  switch (error.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as JsonSchema | undefined)?.properties ?? {});
      const key = String(params.additionalProperty);
      return {
        path: toDottedPath(error.instancePath, key),
        message: `unknown key "${key}"${didYouMean(key, known)}`,
        expected: known.length ? `one of ${known.map((k) => `"${k}"`).join(', ')}` : 'no keys',
        given: describeGiven((error.data as Record<string, unknown>)[key]),
      };
    }
    case 'required':
      return {
        path: toDottedPath(error.instancePath, String(params.missingProperty)),
        message: `required key "${params.missingProperty}" is missing`,
        expected: 'a value',
        given: 'nothing',
      };
    case 'type':
      return { path, message: `must be ${params.type}`, expected: String(params.type).replace(',', ' or '), given };
    case 'enum':
      return {
        path,
        message: 'is not an allowed value',
        expected: `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        given,
      };
    case 'pattern':
      return { path, message: 'has the wrong format', expected: expectedFormat(error), given };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `is out of range`, expected: `a number ${params.comparison} ${params.limit}`, given };
    case 'minItems':
      return { path, message: 'has too few items', expected: `at least ${params.limit} item(s)`, given };
    case 'maxItems':
      return { path, message: 'has too many items', expected: `at most ${params.limit} item(s)`, given };
    case 'minLength':
      return { path, message: 'is too short', expected: `at least ${params.limit} character(s)`, given };
    case 'maxLength':
      return { path, message: 'is too long', expected: `at most ${params.limit} character(s)`, given };
    case 'uniqueItems':
      return {
        path,
        message: `has duplicate items (positions ${params.j} and ${params.i})`,
        expected: 'unique items',
        given,
      };
    default:
      return {
        path,
        message: error.message ?? `fails ${error.keyword}`,
        expected: `to satisfy ${error.keyword}`,
        given,
      };
  }
}

/** Deeper than any model key (and than engram.extra needs), far below what would exhaust the stack. */
const maxNestingDepth = 64;

/** Levels of maps and lists, counted without recursion so that no input can exhaust the stack. */
function nestingDepth(input: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[input, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > 10 * maxNestingDepth) return deepest;
    for (const item of Object.values(value)) stack.push([item, depth + 1]);
  }
  return deepest;
}

/** Ajv reports a failing `$ref` target once per keyword; keep one issue per path and message. */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The message of the one issue validate reports when a check itself fails (a bug, never a model's fault). */
export const unvalidatedMessage = 'could not be validated';

/**
 * Checks a deployment model against the schema and against the rules the schema cannot express.
 * Returns every issue at once; never throws, whatever JSON it is given.
 */
export function validate(input: unknown): ValidationResult {
  const depth = nestingDepth(input);
  if (depth > maxNestingDepth) {
    return {
      ok: false,
      issues: [
        {
          path: '(root)',
          message: `is nested ${depth > 10 * maxNestingDepth ? 'far ' : ''}deeper than ${maxNestingDepth} levels; no model key goes that deep`,
          expected: `at most ${maxNestingDepth} levels of maps and lists`,
          given: `${depth} levels`,
        },
      ],
    };
  }
  try {
    if (!validateSchema(input)) {
      const issues = (validateSchema.errors ?? []).map(issueFromAjv).filter((i): i is ConfigIssue => !!i);
      return { ok: false, issues: dedupe(issues) };
    }
    const issues = checkRules(normalize(input), input);
    return issues.length ? { ok: false, issues } : { ok: true, config: input, issues: [] };
  } catch (error) {
    return {
      ok: false,
      issues: [
        {
          path: '(root)',
          message: `${unvalidatedMessage}: ${error instanceof Error ? error.message : String(error)}`,
          expected: 'a JSON object',
          given: describeGiven(input),
        },
      ],
    };
  }
}
