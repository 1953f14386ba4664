import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { modelFromText, type EngramDeployModel } from '@engram/config-schema';
import { systemdFiles } from '../src';

export const workspaceRoot = join(__dirname, '..', '..', '..');

/** The directory of systemd-analyze, systemd-sysusers and systemd-tmpfiles (tools/systemd/install.sh). */
export function systemdTools(): { bin: string; referenceUnits: string } {
  const bin = execFileSync(join(workspaceRoot, 'tools/systemd/install.sh'), { encoding: 'utf8' }).trim();
  return { bin, referenceUnits: join(dirname(bin), 'root/lib/systemd/system') };
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function model(yaml = '{}'): EngramDeployModel {
  return modelFromText(yaml, 'test model');
}

/** Writes the generator's files for a model into a new temporary directory and returns it. */
export function renderInto(m: EngramDeployModel): string {
  const directory = mkdtempSync(join(tmpdir(), 'engram-systemd-'));
  for (const file of systemdFiles(m, directory)) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
    if (file.path.endsWith('install.sh')) chmodSync(file.path, 0o755);
  }
  return directory;
}

/**
 * A root tree for `systemd-analyze verify --root`: Debian's units (for the targets the unit pulls
 * in), the unit at its installed path, and an executable at the ExecStart path.
 */
export function verifyRoot(referenceUnits: string, unitName: string, unitText: string, binaryPath: string): string {
  const root = mkdtempSync(join(tmpdir(), 'engram-systemd-root-'));
  cpSync(referenceUnits, join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/system', unitName), unitText);
  mkdirSync(join(root, dirname(binaryPath)), { recursive: true });
  writeFileSync(join(root, binaryPath), '#!/bin/sh\n');
  chmodSync(join(root, binaryPath), 0o755);
  return root;
}
