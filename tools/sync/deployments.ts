import type { Tree } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The repository's sync generator (registered in nx.json `sync.globalGenerators`): runs every generator
 * listed in tools/deployment-generators.json, in order, for the default model (deployments/ and docs/)
 * and for each examples/<name>/engram.deploy.yaml (its output beside it). `nx sync` writes the result;
 * `nx sync:check` fails, naming the files, when it would change a byte.
 */

export const generatorListPath = 'tools/deployment-generators.json';
export const examplesDirectory = 'examples';
export const modelFileName = 'engram.deploy.yaml';
/** Where the default model's outputs go, and where each lands for an example: deployments/x → examples/<name>/x. */
const exampleOutputRoots: [string, string][] = [
  ['deployments/', ''],
  ['docs/', 'docs/'],
];

/** What Nx reads from a sync generator's result (nx/src/utils/sync-generators, not exported by @nx/devkit). */
interface SyncGeneratorResult {
  outOfSyncMessage?: string;
}

interface ListedGenerator {
  generator: string;
  options: Record<string, unknown>;
}

type Generator = (tree: Tree, options: Record<string, unknown>) => unknown;

interface LoadedGenerator {
  run: Generator;
  /** Option defaults from the generator's schema.json, by option name. */
  defaults: Record<string, unknown>;
}

/** A generator the way `nx g` finds it: the package's generators.json, its factory and schema. */
function loadGenerator(id: string, workspaceRoot: string): LoadedGenerator {
  const [packageName, name] = id.split(/:(?=[^:]+$)/) as [string, string];
  const requireFromWorkspace = createRequire(join(workspaceRoot, 'package.json'));
  const packageDir = dirname(requireFromWorkspace.resolve(`${packageName}/package.json`));
  const collectionFile = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).generators as string;
  const collection = JSON.parse(readFileSync(join(packageDir, collectionFile), 'utf8'));
  const entry = collection.generators?.[name];
  if (!entry) throw new Error(`${generatorListPath}: ${packageName} has no generator "${name}"`);
  const [modulePath, exportName = 'default'] = (entry.factory as string).split('#') as [string, string?];
  const module = requireFromWorkspace(join(packageDir, modulePath));
  const schema = JSON.parse(readFileSync(join(packageDir, entry.schema), 'utf8'));
  const defaults = Object.fromEntries(
    Object.entries((schema.properties ?? {}) as Record<string, { default?: unknown }>).map(([key, value]) => [
      key,
      value.default,
    ]),
  );
  return { run: module[exportName] ?? module.default ?? module, defaults };
}

/**
 * The options that point a generator at an example: its model, and each output path option whose
 * value (given in the list, or else the default) lies under deployments/ or docs/ moved under the
 * example's folder. A generator that reads no model (the schema reference) renders the same file
 * for every model, so it runs only for the default one.
 */
export function exampleOptions(
  defaults: Record<string, unknown>,
  options: Record<string, unknown>,
  exampleDir: string,
): Record<string, unknown> | undefined {
  if (!('config' in defaults)) return undefined;
  const moved: Record<string, unknown> = { ...options, config: `${exampleDir}/${modelFileName}` };
  for (const [key, value] of Object.entries({ ...defaults, ...options })) {
    if (key === 'config' || typeof value !== 'string') continue;
    const root = exampleOutputRoots.find(([from]) => value.startsWith(from));
    if (root) moved[key] = `${exampleDir}/${root[1]}${value.slice(root[0].length)}`;
  }
  return moved;
}

export default async function deploymentsSyncGenerator(tree: Tree): Promise<SyncGeneratorResult> {
  const list = JSON.parse(tree.read(generatorListPath, 'utf8') ?? 'null') as { generators: ListedGenerator[] } | null;
  if (!list) throw new Error(`${generatorListPath} does not exist`);
  const generators = list.generators.map(({ generator, options }) => ({
    id: generator,
    options,
    ...loadGenerator(generator, tree.root),
  }));
  for (const { run, options } of generators) await run(tree, { ...options });

  const examples = tree.exists(examplesDirectory)
    ? tree
        .children(examplesDirectory)
        .filter((name) => tree.exists(`${examplesDirectory}/${name}/${modelFileName}`))
        .sort()
    : [];
  for (const example of examples) {
    for (const { run, options, defaults } of generators) {
      const moved = exampleOptions(defaults, options, `${examplesDirectory}/${example}`);
      if (moved) await run(tree, moved);
    }
  }
  const changed = tree.listChanges().map((change) => `  ${change.type.padEnd(6)} ${change.path}`);
  return {
    outOfSyncMessage: [
      `the generators in ${generatorListPath} would change these files (run \`pnpm generate\` and commit the result):`,
      ...changed,
    ].join('\n'),
  };
}
