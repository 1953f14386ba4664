import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { harnessCache, runOk, waitFor } from './process';

export interface LocalRegistry {
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** Environment for npm, pnpm and npx: this registry for every package, with a publish token. */
  env: NodeJS.ProcessEnv;
  /** What verdaccio printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts verdaccio on 127.0.0.1 (tools/registry/install.sh installs it). @engram/* packages are
 * only ever served from what is published to it; every other package is proxied from the npm
 * registry this machine is configured with. Proxied packages are kept in a cache under
 * ~/.cache/engram-deploy/registry so later runs do not fetch them again; published @engram
 * packages and the registry's user database start empty on every start.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const verdaccio = runOk('bash', ['tools/registry/install.sh']).stdout.trim();
  const upstream = runOk('npm', ['config', 'get', 'registry'], {
    env: { ...process.env, npm_config_registry: undefined },
  }).stdout.trim();
  const storage = join(harnessCache, 'registry', 'storage');
  mkdirSync(storage, { recursive: true });
  rmSync(join(storage, '@engram'), { recursive: true, force: true });
  rmSync(join(storage, '.verdaccio-db.json'), { force: true });

  const dir = mkdtempSync(join(tmpdir(), 'engram-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({
      storage,
      auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 1 } },
      uplinks: { upstream: { url: upstream, timeout: '120s', maxage: '30m' } },
      packages: {
        '@engram/*': { access: '$all', publish: '$authenticated' },
        '**': { access: '$all', publish: '$authenticated', proxy: 'upstream' },
      },
      server: { keepAliveTimeout: 60 },
      logs: { type: 'stdout', format: 'pretty', level: 'warn' },
      listen: `127.0.0.1:${port}`,
    }),
  );

  const child = spawn(process.execPath, [verdaccio, '--config', join(dir, 'config.yaml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      'verdaccio to answer /-/ping',
      async () => {
        if (child.exitCode !== null) throw new Error(`verdaccio exited ${child.exitCode}\n${output}`);
        return (await fetch(`${url}-/ping`)).ok ? true : undefined;
      },
      60_000,
    );
    // A user of its own, registered the way `npm adduser` does, gives the publish token.
    const response = await fetch(`${url}-/user/org.couchdb.user:engram-release`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'engram-release', password: 'local-registry-only' }),
    });
    const { token } = (await response.json()) as { token?: string };
    if (!response.ok || !token) throw new Error(`verdaccio refused the user: ${response.status}\n${output}`);

    const userConfig = join(dir, 'npmrc');
    writeFileSync(userConfig, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const env = {
      ...process.env,
      NPM_CONFIG_USERCONFIG: userConfig,
      npm_config_registry: url,
    };
    return { url, env, log: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
