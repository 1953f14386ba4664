import { composeVariables, renderComposeFile } from '@engram/compose';
import { dockerfileFrontendImage, normalize, validate } from '@engram/config-schema';
import { renderDockerfile } from '@engram/dockerfile';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base, exampleOf, fields, hostile, modelWith, valuesOf } from '../../test/string-fields';
import { workspaceRoot } from '../support/process';
import { scan } from '../support/scanners';

/**
 * Values for every string field of the schema, as in the fast tier's property test, but read by the
 * real tools: BuildKit's Dockerfile parser, hadolint and Compose's own loader (compose-go). Each
 * field gets its valid example, every hostile string its grammar admits, and a few arbitrary draws
 * (a fixed seed keeps a failure reproducible); identical outputs are read once.
 */
const drawsPerField = 4;
const seed = 14;

interface Rendered {
  text: string;
  /** `field = value` of every draw that rendered this text. */
  cases: string[];
  file: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'engram-string-fields-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const baseModel = normalize(base as never);
const dockerfiles = new Map<string, Rendered>();
const composeFiles = new Map<string, Rendered>();
const frontendOf = new Map<string, string>();

function record(into: Map<string, Rendered>, text: string, label: string, extension: string): Rendered {
  let entry = into.get(text);
  if (!entry) {
    const dir = join(scratch, extension, String(into.size));
    mkdirSync(dir, { recursive: true });
    entry = {
      text,
      cases: [],
      file: join(dir, extension === 'compose' ? 'docker-compose.yml' : 'Dockerfile'),
    };
    writeFileSync(entry.file, text);
    into.set(text, entry);
  }
  entry.cases.push(label);
  return entry;
}

/** One value drawn for one field, and what it rendered. */
interface Draw {
  field: string;
  text: string;
  label: string;
  dockerfile: Rendered;
  compose: Rendered;
}
const draws: Draw[] = [];
/**
 * Per field, the draw its others are compared with: the field set to the valid example of the model
 * that sets every option (lists and maps shaped as the draws shape them), else its first valid draw.
 */
const baselines = new Map<string, Draw>();
/** An enum value is the schema's, not the user's text; an empty string turns an option off. */
const mayChangeStructure = (draw: Draw, enumField: boolean) => enumField || draw.text === '';

for (const field of fields) {
  const name = field.path.join('.');
  const example = exampleOf(field.path);
  const values = [
    ...(example === undefined ? [] : [example]),
    // A hostile string the field's pattern or enum refuses cannot pass validation: not rendered.
    ...hostile.filter((text) =>
      field.schema.enum
        ? (field.schema.enum as unknown[]).includes(text)
        : !field.schema.pattern || new RegExp(field.schema.pattern as string, 'u').test(text),
    ),
    ...fc.sample(valuesOf(field), { numRuns: drawsPerField, seed }),
  ];
  for (const text of values) {
    const config = modelWith(field, text);
    if (!validate(config).ok) continue;
    const model = normalize(config as never);
    const label = `${name} = ${JSON.stringify(text)}`;
    const dockerfile = renderDockerfile(model);
    frontendOf.set(dockerfile, dockerfileFrontendImage(model));
    const draw: Draw = {
      field: name,
      text,
      label,
      dockerfile: record(dockerfiles, dockerfile, label, 'dockerfile'),
      compose: record(composeFiles, renderComposeFile(model), label, 'compose'),
    };
    draws.push(draw);
    if (!baselines.has(name) && !mayChangeStructure(draw, Boolean(field.schema.enum))) baselines.set(name, draw);
  }
}
const enumFields = new Set(fields.filter((field) => field.schema.enum).map((field) => field.path.join('.')));
/** Draws whose structure must equal their field's baseline. */
const structuralDraws = draws.filter((draw) => !mayChangeStructure(draw, enumFields.has(draw.field)));

const execFileAsync = promisify(execFile);

/**
 * hadolint over every distinct Dockerfile, in two processes (it runs ShellCheck on each RUN line,
 * the slow part), started now so that it runs while BuildKit's parser and Compose read the others.
 */
const hadolintFindings = (async () => {
  const files = [...dockerfiles.values()].map((entry) => entry.file);
  const half = Math.ceil(files.length / 2);
  const outputs = await Promise.all(
    [files.slice(0, half), files.slice(half)].map(async (batch) => {
      // Exit status 1 means findings; the JSON on stdout says which (a crash leaves no JSON).
      const result = await execFileAsync(
        'bash',
        ['-c', 'source tools/scanners/env.sh && hadolint --format json "$@"', 'hadolint', ...batch],
        { cwd: workspaceRoot, maxBuffer: 64 * 1024 * 1024 },
      ).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr }));
      return JSON.parse(result.stdout) as unknown[];
    }),
  );
  return outputs.flat();
})();
// Awaited by its test; a rejection before then is not unhandled.
hadolintFindings.catch(() => undefined);

const referenceDockerfile = renderDockerfile(baseModel);
const referenceCompose = renderComposeFile(baseModel);

describe('every string field, given values validation accepts', () => {
  it('has at least one valid value rendered for every field', () => {
    const drawn = new Set(draws.map((draw) => draw.field));
    expect(fields.map((field) => field.path.join('.')).filter((name) => !drawn.has(name))).toEqual([]);
    expect(structuralDraws.length).toBeGreaterThan(fields.length * 2);
    expect(dockerfiles.size).toBeGreaterThan(20);
    expect(composeFiles.size).toBeGreaterThan(20);
    console.log(
      `${fields.length} string fields, ${draws.length} valid draws (${structuralDraws.length} compared for structure): ` +
        `${dockerfiles.size} distinct Dockerfiles, ${composeFiles.size} distinct Compose files`,
    );
  });
});

interface BuildKitInstruction {
  keyword: string;
  flags: string[];
  args: string[];
  heredocs: string[];
  json: boolean;
  original: string;
  line: number;
}
interface BuildKitReport {
  file: string;
  syntax: string;
  instructions: BuildKitInstruction[];
  warnings: string[];
  lint: string[];
  error: string;
}

/** Reads Dockerfiles with BuildKit's parser (tools/scanners/dockerfile-parse), one process for all. */
function buildKitRead(files: string[]): BuildKitReport[] {
  const result = scan(`dockerfile-parse ${files.map((file) => `'${file}'`).join(' ')}`);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as BuildKitReport);
}

/**
 * What a value may not change: the sequence of instructions with their flags, how many arguments
 * each has, the names each ARG, ENV and LABEL sets, and every RUN line whole. Model strings reach a
 * build step only as the value of an ARG, ENV or LABEL or an element of a JSON array.
 */
function dockerfileStructure(report: BuildKitReport) {
  return report.instructions.map(({ keyword: written, flags, args, heredocs, json, original }) => {
    // BuildKit keeps the keyword as written; the template writes each in capitals. ENV and LABEL
    // arguments come as name, value, separator.
    const keyword = written.toLowerCase();
    const names =
      keyword === 'arg'
        ? args.map((arg) => arg.split('=')[0])
        : keyword === 'env' || keyword === 'label'
          ? args.filter((_, index) => index % 3 === 0)
          : undefined;
    return {
      keyword,
      flags,
      argCount: args.length,
      heredocs: heredocs.length,
      json,
      names,
      run: keyword === 'run' ? original : undefined,
    };
  });
}

describe('the Dockerfile, read by BuildKit and hadolint', () => {
  let reports: Map<string, BuildKitReport>;
  let reference: BuildKitReport;
  beforeAll(() => {
    const referenceFile = join(scratch, 'reference.Dockerfile');
    writeFileSync(referenceFile, referenceDockerfile);
    const all = buildKitRead([
      referenceFile,
      join(workspaceRoot, 'deployments/docker/Dockerfile'),
      ...[...dockerfiles.values()].map((entry) => entry.file),
    ]);
    reports = new Map(all.map((report) => [report.file, report]));
    reference = reports.get(referenceFile)!;
  });

  it('the model that sets every option has the instructions and RUN lines of the default model', () => {
    expect(reference.error).toBe('');
    expect(reference.instructions.length).toBeGreaterThan(30);
    const steps = (report: BuildKitReport) =>
      report.instructions.map(({ keyword, original }) => (keyword.toLowerCase() === 'run' ? original : keyword));
    expect(steps(reports.get(join(workspaceRoot, 'deployments/docker/Dockerfile'))!)).toEqual(steps(reference));
  });

  it('parses every rendered Dockerfile with no error, warning or lint finding the reference lacks', () => {
    for (const entry of dockerfiles.values()) {
      const report = reports.get(entry.file)!;
      const context = `${entry.cases.join('\n')}\n${entry.text}`;
      expect(report.error, context).toBe('');
      expect(report.warnings, context).toEqual(reference.warnings);
      expect(report.lint, context).toEqual(reference.lint);
      // The syntax directive, the one model string read before the instructions, is read whole.
      expect(report.syntax, context).toBe(frontendOf.get(entry.text));
    }
  });

  it("parses every value to the instructions of its field's valid example: no instruction, flag or RUN text injected", () => {
    for (const draw of structuralDraws) {
      const baseline = baselines.get(draw.field)!;
      expect(
        dockerfileStructure(reports.get(draw.dockerfile.file)!),
        `${draw.label}, compared with ${baseline.label}\n${draw.dockerfile.text}`,
      ).toEqual(dockerfileStructure(reports.get(baseline.dockerfile.file)!));
    }
  });

  it('hadolint parses every rendered Dockerfile and finds what it finds in the default one: nothing', async () => {
    const files = [...dockerfiles.values()];
    const findings = (await hadolintFindings) as {
      file: string;
      code: string;
      line: number;
      message: string;
    }[];
    const byFile = new Map<string, string[]>();
    for (const { file, code, line, message } of findings) {
      // hadolint's own JSON reader takes `\\"` (an escaped backslash ending a string) for an escaped
      // quote, and then the exec form for shell form (DL3025). Where BuildKit, which builds the image,
      // reads that very line as a JSON array holding such a string, the finding is hadolint's error.
      const step = reports.get(file)?.instructions.find((instruction) => instruction.line === line);
      if (code === 'DL3025' && step?.json && step.args.some((arg) => arg.endsWith('\\'))) continue;
      byFile.set(file, [...(byFile.get(file) ?? []), `${code} line ${line}: ${message}`]);
    }
    for (const entry of files) expect(byFile.get(entry.file) ?? [], entry.cases.join('\n')).toEqual([]);
  });
});

/** `docker compose config --format json`: the file as compose-go loads it, interpolated from an empty environment. */
async function composeConfig(file: string): Promise<{ ok: true; config: any } | { ok: false; error: string }> {
  try {
    const { stdout } = await execFileAsync('docker', ['compose', '-f', file, 'config', '--format', 'json'], {
      cwd: join(file, '..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ok: true, config: JSON.parse(stdout) };
  } catch (error) {
    return { ok: false, error: String((error as { stderr?: string }).stderr ?? error) };
  }
}

async function inParallel<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

/**
 * What Compose should read from a value of the rendered file: the renderer's own `${NAME:-default}`
 * become their defaults (the environment is empty), and `$$` is a literal `$`.
 */
function interpolated(value: unknown): unknown {
  if (typeof value === 'string')
    return value.replace(
      /\$\$|\$\{([A-Z0-9_]+):-((?:\$\$|[^}$])*)\}/g,
      (whole, name: string | undefined, fallback: string) =>
        name === undefined ? '$' : fallback.replaceAll('$$', '$'),
    );
  if (Array.isArray(value)) return value.map(interpolated);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [interpolated(key), interpolated(item)]));
  return value;
}

/** Every string leaf of `value` with its path. */
function stringLeaves(value: unknown, path: string[] = []): [string[], string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringLeaves(item, [...path, String(index)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, [...path, key]));
  return [];
}

function at(value: any, path: string[]): unknown {
  for (const key of path) value = value === null || typeof value !== 'object' ? undefined : value[key];
  return value;
}

/** The keys compose-go reads, two levels into each service: a value that adds one changes the deployment. */
function composeShape(config: any) {
  return {
    top: Object.keys(config).sort(),
    services: Object.fromEntries(
      Object.entries(config.services as Record<string, any>).map(([name, service]) => [
        name,
        Object.keys(service).sort(),
      ]),
    ),
  };
}

describe('the Compose file, loaded by compose-go (docker compose config)', () => {
  const loaded = new Map<string, Awaited<ReturnType<typeof composeConfig>>>();
  let reference: any;
  beforeAll(async () => {
    const referenceDir = join(scratch, 'compose-reference');
    mkdirSync(referenceDir, { recursive: true });
    writeFileSync(join(referenceDir, 'docker-compose.yml'), referenceCompose);
    const loadedReference = await composeConfig(join(referenceDir, 'docker-compose.yml'));
    if (!loadedReference.ok) throw new Error(loadedReference.error);
    reference = loadedReference.config;
    const entries = [...composeFiles.values()];
    const results = await inParallel(entries, 4, (entry) => composeConfig(entry.file));
    entries.forEach((entry, index) => loaded.set(entry.file, results[index]!));
  }, 300_000);

  it('loads every rendered Compose file', () => {
    expect(Object.keys(reference.services)).toContain('engram');
    for (const entry of composeFiles.values()) {
      const result = loaded.get(entry.file)!;
      expect(result.ok ? '' : result.error, `${entry.cases.join('\n')}\n${entry.text}`).toBe('');
    }
  });

  it("loads every value with the services and keys of its field's valid example: no key injected", () => {
    for (const draw of structuralDraws) {
      const baseline = baselines.get(draw.field)!;
      const [result, expected] = [loaded.get(draw.compose.file)!, loaded.get(baseline.compose.file)!];
      if (!result.ok || !expected.ok) throw new Error(`${draw.label} or ${baseline.label} did not load`);
      expect(
        composeShape(result.config),
        `${draw.label}, compared with ${baseline.label}\n${draw.compose.text}`,
      ).toEqual(composeShape(expected.config));
    }
  });

  it('reads back every string value the renderer wrote, after interpolation, unchanged', () => {
    const variables = new Set(composeVariables(baseModel).map((variable) => variable.name));
    let compared = 0;
    for (const entry of composeFiles.values()) {
      const result = loaded.get(entry.file)!;
      if (!result.ok) continue;
      const written = interpolated(parse(entry.text));
      for (const [path, value] of stringLeaves(written)) {
        const printed = at(result.config, path);
        if (typeof printed !== 'string') continue;
        // `config` prints a loadable file again, so it writes each literal `$` of a value as `$$`.
        const read = printed.replaceAll('$$', '$');
        compared++;
        // Compose resolves relative paths (a build context, a bind mount's source) against the file's
        // folder, and writes memory sizes in bytes.
        const expected =
          value.startsWith('.') && isAbsolute(read)
            ? resolve(dirname(entry.file), value)
            : /^\d+$/.test(read) && /^\d+[kmg]$/.test(value)
              ? String(Number(value.slice(0, -1)) * 1024 ** ('kmg'.indexOf(value.slice(-1)) + 1))
              : value;
        expect(read, `${path.join('.')} of ${entry.cases.join('\n')}`).toBe(expected);
      }
      // Nothing of the operator's environment reached it: only the renderer's own variables are referenced.
      for (const [, value] of stringLeaves(parse(entry.text)))
        for (const match of value.replaceAll('$$', '').matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g))
          expect(variables, `${value} in ${entry.cases.join('\n')}`).toContain(match[1]);
    }
    expect(compared).toBeGreaterThan(composeFiles.size * 20);
  });
});
