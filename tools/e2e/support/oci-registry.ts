import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runOk, workspaceRoot, type Result } from './process';

/** The OCI registry of tools/registry/oci.sh, as a client sees it. */
export interface OciRegistry {
  /** 127.0.0.1:PORT */
  address: string;
  /** The CA that signed the registry's certificate. */
  ca: string;
  username: string;
  password: string;
  /** The registry's own log (access lines name the client's user agent). */
  log(): string;
  /** A Docker client configuration logged in to the registry (docker --config). */
  dockerConfig: string;
  /** A helm registry configuration logged in to the registry (helm --registry-config). */
  helmRegistryConfig: string;
}

/** helm (tools/scanners/install.sh), with `input` on its stdin. */
export function helmWithInput(input: string | undefined, args: string[], env: NodeJS.ProcessEnv = {}): Result {
  return run('bash', ['-c', 'source tools/scanners/env.sh && exec helm "$@"', 'helm', ...args], {
    cwd: workspaceRoot,
    timeoutSeconds: 600,
    input,
    env: { ...process.env, ...env },
  });
}

/**
 * Starts the registry (or reuses the running one) and logs Docker and helm in, each with a
 * configuration of its own under `scratch`: the user's ~/.docker and ~/.config/helm stay untouched.
 * Files that run beside each other share the registry, so none stops it: the run's global
 * teardown does.
 */
export function startOciRegistry(scratch: string): OciRegistry {
  const started = runOk('bash', ['tools/registry/oci.sh', 'start'], { timeoutSeconds: 3600 });
  const fields = new Map(
    started.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  );
  const field = (key: string): string => {
    const value = fields.get(key);
    if (!value) throw new Error(`oci.sh start printed no ${key}:\n${started.stdout}${started.stderr}`);
    return value;
  };
  const address = field('address');
  const ca = field('ca');
  const username = field('username');
  const logFile = field('log');
  const password = readFileSync(field('password_file'), 'utf8').trim();

  const dockerConfig = join(scratch, 'docker');
  runOk('docker', ['--config', dockerConfig, 'login', address, '-u', username, '--password-stdin'], {
    input: password,
  });
  const helmRegistryConfig = join(scratch, 'helm-registry.json');
  const login = helmWithInput(password, [
    'registry',
    'login',
    address,
    '--registry-config',
    helmRegistryConfig,
    '--username',
    username,
    '--password-stdin',
    '--ca-file',
    ca,
  ]);
  if (login.status !== 0) throw new Error(`helm registry login ${address} exited ${login.status}\n${login.stderr}`);
  return {
    address,
    ca,
    username,
    password,
    log: () => readFileSync(logFile, 'utf8'),
    dockerConfig,
    helmRegistryConfig,
  };
}

/**
 * What the registry answers to a GET made with curl and the registry's CA, with the user's
 * credentials unless `anonymous`: status, headers and body.
 */
export function registryGet(
  registry: OciRegistry,
  path: string,
  { accept = [], anonymous = false }: { accept?: string[]; anonymous?: boolean } = {},
): { status: number; headers: Record<string, string>; body: string } {
  // Headers first, then the body, both on stdout (curl 7.88 crashes dumping headers to a piped stderr).
  const args = ['-sS', '--cacert', registry.ca, '--dump-header', '-'];
  // The credentials go through stdin (curl --config -), never onto a command line.
  if (!anonymous) args.push('--config', '-');
  for (const type of accept) args.push('-H', `Accept: ${type}`);
  args.push(`https://${registry.address}${path}`);
  const result = runOk('curl', args, {
    input: anonymous ? '' : `user = "${registry.username}:${registry.password}"\n`,
  });
  const end = result.stdout.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`curl printed no response headers for ${path}:\n${result.stdout}`);
  const [statusLine = '', ...headerLines] = result.stdout.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    headerLines
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: result.stdout.slice(end + 4) };
}
