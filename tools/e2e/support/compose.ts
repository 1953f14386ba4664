import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeFiles } from '@engram/compose';
import { normalize, type EngramDeployConfig } from '@engram/config-schema';
import { run, runOk, workspaceRoot, type Result } from './process';
import { buildCaBundle, engramContext, localBuilderImage, localRuntimeImage } from './docker';

/** Compose Specification schema version: compose-go is the library `docker compose` validates with. */
export const composeGoModule = 'github.com/compose-spec/compose-go/v2@v2.16.2';

/** Downloads compose-go through the Go module proxy and returns the path of its JSON Schema. */
export function composeSpecSchemaPath(): string {
  const download = runOk('go', ['mod', 'download', '-json', composeGoModule], { cwd: '/tmp' });
  return join(JSON.parse(download.stdout).Dir, 'schema', 'compose-spec.json');
}

export const generatedComposeDirectory = join(workspaceRoot, 'deployments/docker');

/**
 * An override file that builds the real Engram (a copy of its workspace with the generated
 * deployments/ inside, as an operator's checkout), gives the build the machine's CA bundle, and
 * runs local monitoring images: the generated file itself is never edited.
 */
export function writeTestOverride(directory: string, prometheusImage: string): string {
  const path = join(directory, 'compose.e2e-override.yml');
  const context = engramContext('compose');
  writeFileSync(
    path,
    [
      'services:',
      '  engram:',
      '    build:',
      `      context: ${context}`,
      `      dockerfile: ${join(context, 'deployments/docker/Dockerfile')}`,
      '      secrets: [build-ca]',
      '  prometheus:',
      `    image: ${prometheusImage}`,
      'secrets:',
      '  build-ca:',
      `    file: ${buildCaBundle}`,
      '',
    ].join('\n'),
  );
  return path;
}

export interface ComposeProject {
  directory: string;
  files: string[];
  env: NodeJS.ProcessEnv;
  project: string;
}

/** `docker compose` for a project, from the directory of its Compose file. */
export function compose(p: ComposeProject, ...args: string[]): Result {
  const fileArgs = p.files.flatMap((file) => ['-f', file]);
  return run('docker', ['compose', '-p', p.project, ...fileArgs, ...args], {
    cwd: p.directory,
    env: p.env,
    timeoutSeconds: 900,
  });
}

export function composeOk(p: ComposeProject, ...args: string[]): Result {
  const result = compose(p, ...args);
  if (result.status !== 0)
    throw new Error(`docker compose ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Environment that points the generated file's variables at local images and free test ports. */
export function testEnvironment(
  image: string,
  ports: { http: number; grpc: number; prometheus: number; grafana: number },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ENGRAM_IMAGE: image,
    ENGRAM_BUILDER_IMAGE: localBuilderImage,
    ENGRAM_RUNTIME_IMAGE: localRuntimeImage,
    ENGRAM_HOST_HTTP_PORT: String(ports.http),
    ENGRAM_HOST_GRPC_PORT: String(ports.grpc),
    PROMETHEUS_HOST_PORT: String(ports.prometheus),
    GRAFANA_HOST_PORT: String(ports.grafana),
    COMPOSE_PROGRESS: 'plain',
  };
}

/** Regenerates the Compose stack for a changed model into `directory`, the way `pnpm generate` would. */
export function regenerateDockerDirectory(config: EngramDeployConfig, directory: string): void {
  const model = normalize(config);
  for (const file of composeFiles(model, directory)) {
    mkdirSync(join(file.path, '..'), { recursive: true });
    writeFileSync(file.path, file.content);
  }
}
