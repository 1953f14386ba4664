import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { layoutFor } from '../src';
import { model, renderInto, run, systemdTools, type Run } from './tools';

let tools: ReturnType<typeof systemdTools>;
const m = model();
const layout = layoutFor(m);

/** install.sh of the default model, with the systemd tools of tools/systemd/install.sh on PATH. */
function install(directory: string, args: string[]): Run {
  return run('sh', [join(directory, 'install.sh'), ...args], {
    env: { ...process.env, PATH: `${tools.bin}:${process.env.PATH}` },
  });
}

function installOk(directory: string, args: string[]): string {
  const result = install(directory, args);
  if (result.status !== 0)
    throw new Error(`install.sh ${args.join(' ')} exited ${result.status}\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Every path below root with its type, mode, owner, size, mtime and ctime: what "changed nothing" compares. */
function snapshot(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      entries[relative(root, path)] =
        `${stat.mode.toString(8)} ${stat.uid}:${stat.gid} ${stat.size} ${stat.mtimeMs} ${stat.ctimeMs}`;
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(root);
  return entries;
}

function account(root: string, name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function fakeBinary(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'engram-bin-')), 'engram');
  writeFileSync(path, '#!/bin/sh\necho engram\n', { mode: 0o755 });
  return path;
}

function emptyRoot(): string {
  return mkdtempSync(join(tmpdir(), 'engram-install-root-'));
}

const installed = [
  layout.binaryPath,
  layout.sysusersFile,
  layout.tmpfilesFile,
  layout.configPath,
  layout.environmentFile,
  layout.unitPath,
];

describe('install.sh', () => {
  let directory: string;
  let binary: string;

  beforeAll(() => {
    tools = systemdTools();
    directory = renderInto(m);
    binary = fakeBinary();
  }, 300_000);

  it('parses with sh -n and passes shellcheck', () => {
    const parsed = run('sh', ['-n', join(directory, 'install.sh')]);
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
    // ShellCheck as tools/setup.sh installs it for the shell lint.
    const checked = run('shellcheck', [
      '--shell=sh',
      '--severity=style',
      join(directory, 'install.sh'),
    ]);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('--dry-run names every file it would install and writes nothing', () => {
    const root = emptyRoot();
    const output = installOk(directory, ['--root', root, '--binary', binary, '--dry-run']);
    for (const path of installed) expect(output).toContain(`would have installed ${path}`);
    expect(output).toMatch(/would run: systemd-sysusers/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('installs every file with its mode and owner, creates the account and its directories', () => {
    const root = emptyRoot();
    const output = installOk(directory, ['--root', root, '--binary', binary]);
    for (const path of installed) expect(output).toContain(`installed ${path}`);

    const engram = account(root, layout.name);
    expect(engram).toBeDefined();
    expect(engram?.uid).toBeGreaterThan(0);
    const owner = (path: string) => {
      const stat = lstatSync(join(root, path));
      return { mode: (stat.mode & 0o7777).toString(8), uid: stat.uid, gid: stat.gid };
    };
    expect(readFileSync(join(root, layout.unitPath), 'utf8')).toBe(
      readFileSync(join(directory, 'engram.service'), 'utf8'),
    );
    expect(readFileSync(join(root, layout.configPath), 'utf8')).toBe(
      readFileSync(join(directory, 'config', m.runtime.configFile), 'utf8'),
    );
    expect(readFileSync(join(root, layout.binaryPath), 'utf8')).toBe(readFileSync(binary, 'utf8'));
    expect(owner(layout.binaryPath)).toEqual({ mode: '755', uid: 0, gid: 0 });
    expect(owner(layout.unitPath)).toEqual({ mode: '644', uid: 0, gid: 0 });
    expect(owner(layout.configPath)).toEqual({ mode: '640', uid: 0, gid: engram?.gid });
    expect(owner(layout.environmentFile)).toEqual({ mode: '600', uid: 0, gid: 0 });
    expect(owner(layout.dataDir)).toEqual({ mode: '700', uid: engram?.uid, gid: engram?.gid });
    expect(owner(layout.logsDir)).toEqual({ mode: '700', uid: engram?.uid, gid: engram?.gid });
  });

  it('changes nothing the second time', () => {
    const root = emptyRoot();
    installOk(directory, ['--root', root, '--binary', binary]);
    const before = snapshot(root);
    const output = installOk(directory, ['--root', root, '--binary', binary]);
    expect(output).not.toMatch(/^(installed|updated) /m);
    expect(snapshot(root)).toEqual(before);
  });

  it("keeps the operator's environment file and updates a changed config", () => {
    const root = emptyRoot();
    installOk(directory, ['--root', root, '--binary', binary]);
    appendFileSync(join(root, layout.environmentFile), 'ENGRAM_HTTP_BIND=0.0.0.0\n');
    const edited = readFileSync(join(root, layout.environmentFile), 'utf8');
    appendFileSync(join(root, layout.configPath), '# changed by hand\n');
    const output = installOk(directory, ['--root', root]);
    expect(output).toContain(`kept ${layout.environmentFile}`);
    expect(output).toContain(`updated ${layout.configPath}`);
    expect(output).toContain(`unchanged ${layout.binaryPath} (no --binary given)`);
    expect(readFileSync(join(root, layout.environmentFile), 'utf8')).toBe(edited);
  });

  it('refuses a first install without a binary, writing nothing', () => {
    const root = emptyRoot();
    const result = install(directory, ['--root', root]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/pass --binary PATH/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('names a --binary that does not exist, writing nothing', () => {
    const root = emptyRoot();
    const result = install(directory, ['--root', root, '--binary', 'target/debug/engram']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--binary target/debug/engram: no such file');
    expect(readdirSync(root)).toEqual([]);
  });

  it('--uninstall removes what it installed and keeps the data, the account and the overrides', () => {
    const root = emptyRoot();
    installOk(directory, ['--root', root, '--binary', binary]);
    mkdirSync(join(root, layout.dataDir, 'default', 'wal'), { recursive: true });
    writeFileSync(join(root, layout.dataDir, 'default', 'wal', 'segment-0'), 'remembered');

    const before = snapshot(root);
    installOk(directory, ['--root', root, '--uninstall', '--dry-run']);
    expect(snapshot(root)).toEqual(before);

    const output = installOk(directory, ['--root', root, '--uninstall']);
    for (const path of [
      layout.unitPath,
      layout.binaryPath,
      layout.configPath,
      layout.tmpfilesFile,
      layout.sysusersFile,
    ]) {
      expect(output).toContain(`removed ${path}`);
      expect(existsSync(join(root, path)), path).toBe(false);
    }
    expect(readFileSync(join(root, layout.dataDir, 'default', 'wal', 'segment-0'), 'utf8')).toBe('remembered');
    expect(existsSync(join(root, layout.environmentFile))).toBe(true);
    expect(account(root, layout.name)).toBeDefined();

    // A reinstall finds the data with the owner it had.
    const owner = lstatSync(join(root, layout.dataDir)).uid;
    installOk(directory, ['--root', root, '--binary', binary]);
    expect(lstatSync(join(root, layout.dataDir)).uid).toBe(owner);
    expect(readFileSync(join(root, layout.dataDir, 'default', 'wal', 'segment-0'), 'utf8')).toBe('remembered');
  });

  it('rejects an unknown option with its usage', () => {
    const result = install(directory, ['--force']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: install\.sh/);
  });
});
