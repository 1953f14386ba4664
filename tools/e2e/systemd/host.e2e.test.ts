import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@engram/config-schema';
import { layoutFor } from '@engram/systemd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, workspaceRoot, type Result } from '../support/process';
import { bootSystemdHost, extractEngramBinary, type SystemdHost } from '../support/systemd-host';

// The real Engram binary, installed by deployments/systemd/install.sh on a Debian trixie "host"
// booted by systemd as PID 1 in a container (support/systemd-host.ts), and run as the generated
// engram.service.
const container = 'engram-systemd-host-e2e';
const model = loadConfig(join(workspaceRoot, 'deployments/engram.deploy.yaml'));
const layout = layoutFor(model);
const deploy = '/opt/engram-deploy';

let host: SystemdHost;
const inHost = (script: string, timeoutSeconds?: number): Result => host.sh(script, timeoutSeconds);
const inHostOk = (script: string, timeoutSeconds?: number): string => host.shOk(script, timeoutSeconds);

const api = `http://127.0.0.1:${model.ports.http}`;
const curl = (path: string) => inHost(`curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${api}${path}`).stdout;

async function waitFor(what: string, check: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (check()) return;
    await sleep(500);
  }
  throw new Error(
    `${what}: not within ${seconds} s\n${inHost(`journalctl -u ${layout.unitFile} --no-pager | tail -40`).stdout}`,
  );
}

/** What the service logged. */
const journal = () => inHost(`journalctl -u ${layout.unitFile} --no-pager -o cat`).stdout;

/** Stat line of every file install.sh manages, and the data directory: what "changes nothing" compares. */
const installedState = () =>
  inHostOk(
    `stat -c '%n %a %u:%g %s %Y %Z' ${[layout.binaryPath, layout.unitPath, layout.sysusersFile, layout.tmpfilesFile, layout.configPath, layout.environmentFile, layout.dataDir].join(' ')}`,
  );

describe('engram.service under systemd as PID 1', () => {
  let scratch: string;

  beforeAll(async () => {
    // The binary, taken out of the real Engram image.
    scratch = mkdtempSync(join(tmpdir(), 'engram-systemd-e2e-'));
    extractEngramBinary(model.runtime.binaryPath, join(scratch, 'engram'));
    host = await bootSystemdHost(container);
    host.copyIn(join(workspaceRoot, 'deployments/systemd'), deploy);
    host.copyIn(join(scratch, 'engram'), `${deploy}/engram`);
  }, 1_800_000);

  afterAll(() => {
    host?.remove();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('install.sh puts the binary, unit, account, directories and config in place', () => {
    const output = inHostOk(`sh ${deploy}/install.sh --binary ${deploy}/engram`);
    for (const path of [layout.binaryPath, layout.unitPath, layout.configPath])
      expect(output).toContain(`installed ${path}`);
    expect(inHostOk(`id -u ${layout.name}`).trim()).toMatch(/^[1-9][0-9]*$/);
    expect(inHostOk(`stat -c '%U %a' ${layout.dataDir}`).trim()).toBe(`${layout.name} 700`);
    expect(inHostOk(`systemctl show -p LoadState --value ${layout.unitFile}`).trim()).toBe('loaded');
  });

  it('systemctl start brings Engram up and its health endpoints answer', async () => {
    inHostOk(`systemctl start ${layout.unitFile}`);
    await waitFor('/health/alive answers 200', () => curl(model.runtime.health.livenessPath) === '200', 60);
    expect(curl(model.runtime.health.readinessPath)).toBe('200');
    expect(inHostOk(`systemctl is-active ${layout.unitFile}`).trim()).toBe('active');
    // Engram writes where the unit points it.
    expect(inHostOk(`test -f ${layout.pidPath} && echo yes`).trim()).toBe('yes');
  });

  it('the sandbox applies to the running service', () => {
    const pid = inHostOk(`systemctl show -p MainPID --value ${layout.unitFile}`).trim();
    const status = inHostOk(`cat /proc/${pid}/status`);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapBnd:\s+0+$/m);
    // The service's mount namespace: the root file system read-only, the state directory writable.
    const options = new Map(
      inHostOk(`cat /proc/${pid}/mountinfo`)
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .map((fields) => [fields[4], fields[5] ?? ''] as const),
    );
    expect(options.get('/')).toMatch(/^ro,/);
    expect(options.get(layout.dataDir)).toMatch(/^rw,/);
  });

  it('from inside the sandbox, writing outside the service directories fails', () => {
    // A oneshot service with the unit's own [Service] section, ExecStart replaced by a probe.
    const outside = ['/etc/engram-probe', '/usr/local/bin/engram-probe', '/var/engram-probe', '/root/engram-probe'];
    const probe = [
      '#!/bin/sh',
      `for path in ${outside.join(' ')}; do`,
      '  if touch "$path" 2>/dev/null; then echo "WROTE $path"; else echo "denied $path"; fi',
      'done',
      `touch ${layout.dataDir}/probe && echo "wrote ${layout.dataDir}" && rm -f ${layout.dataDir}/probe`,
      '',
    ].join('\n');
    writeFileSync(join(scratch, 'probe.sh'), probe);
    host.copyIn(join(scratch, 'probe.sh'), `${deploy}/probe.sh`);
    inHostOk(
      [
        `sed -e 's|^ExecStart=.*|ExecStart=/bin/sh ${deploy}/probe.sh|' -e 's/^Type=exec/Type=oneshot/' ${layout.unitPath} > /etc/systemd/system/engram-sandbox-probe.service`,
        'systemctl daemon-reload',
        'systemctl start engram-sandbox-probe.service',
      ].join(' && '),
    );
    const output = inHostOk('journalctl -u engram-sandbox-probe.service --no-pager -o cat');
    expect(output).not.toMatch(/WROTE/);
    for (const path of outside) expect(output).toContain(`denied ${path}`);
    expect(output).toContain(`wrote ${layout.dataDir}`);
    inHost('rm -f /etc/systemd/system/engram-sandbox-probe.service; systemctl daemon-reload');
  });

  it('a remembered memory survives systemctl restart', async () => {
    const content = 'systemd keeps this memory';
    const remembered = inHostOk(
      `curl -s -w '\\n%{http_code}' -H 'content-type: application/json' --data '${JSON.stringify({ content, confidence: 0.9 })}' ${api}/api/v1/memories/remember`,
    )
      .trim()
      .split('\n');
    expect(remembered.at(-1)).toBe('201');
    const id = (JSON.parse(remembered.slice(0, -1).join('\n')) as { memory_id: string }).memory_id;
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);

    inHostOk(`systemctl restart ${layout.unitFile}`, 120);
    await waitFor(
      '/health/alive answers 200 after restart',
      () => curl(model.runtime.health.livenessPath) === '200',
      60,
    );
    const recalled = inHostOk(`curl -s -w '\\n%{http_code}' ${api}/api/v1/memories/${id}`).trim().split('\n');
    expect(recalled.at(-1)).toBe('200');
    expect(recalled.slice(0, -1).join('\n')).toContain(content);
  });

  it('systemctl stop ends with a clean stop in the journal, inside the timeout', () => {
    const started = Date.now();
    inHostOk(`systemctl stop ${layout.unitFile}`, model.runtime.stopGracePeriodSeconds + 30);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(model.runtime.stopGracePeriodSeconds);
    expect(journal()).toContain(model.runtime.cleanStopLogLine);
    expect(inHostOk(`systemctl show -p Result --value ${layout.unitFile}`).trim()).toBe('success');
  });

  it('a second install changes nothing', () => {
    const before = installedState();
    const output = inHostOk(`sh ${deploy}/install.sh --binary ${deploy}/engram`);
    expect(output).not.toMatch(/^(installed|updated) /m);
    expect(installedState()).toBe(before);
  });

  it('uninstall removes the service and keeps /var/lib/engram', () => {
    const data = inHostOk(`find ${layout.dataDir} | sort`);
    expect(data).toContain(`${layout.dataDir}/${model.engram.memorySpaces.defaultSpace}`);
    const output = inHostOk(`sh ${deploy}/install.sh --uninstall`);
    expect(output).toContain(`removed ${layout.unitPath}`);
    expect(inHost(`test -e ${layout.unitPath}`).status).not.toBe(0);
    expect(inHost(`test -e ${layout.binaryPath}`).status).not.toBe(0);
    expect(inHostOk(`find ${layout.dataDir} | sort`)).toBe(data);
    expect(inHostOk(`stat -c %U ${layout.dataDir}`).trim()).toBe(layout.name);
  });
});
