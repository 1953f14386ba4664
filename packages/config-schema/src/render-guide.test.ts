import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { layoutFor } from './bare-metal-layout';
import { normalize } from './normalize';
import { dockerRunLines, renderProductionGuide, troubleshootingEntries } from './render-guide';

/** The words bash passes to `docker` (or another program) for a rendered command. */
function dockerArguments(lines: readonly string[], program = 'docker'): string[] {
  const script = lines.join('\n').replace(new RegExp(`^${program} `), `printf '%s\\0' `);
  const result = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    cwd: '/tmp',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.split('\0').slice(0, -1);
}

const hostile = 'x\'; touch /tmp/pwned; echo \'$(id)`id` "q"';

/** Fenced shell blocks of a guide: info string and body. */
function shellBlocks(markdown: string): { info: string; body: string }[] {
  return [...markdown.matchAll(/^(`{3,})sh ([^\n]*)\n([\s\S]*?)\n\1$/gm)].map((m) => ({
    info: m[2] as string,
    body: m[3] as string,
  }));
}

describe('the production guide', () => {
  it('puts the model values into commands as single shell words, however hostile', () => {
    const model = normalize({
      compose: { containerName: hostile, dataVolume: { name: hostile } },
      image: { repository: `registry.example/${hostile}`, tag: 'v1' },
      runtime: { dataDir: '/data dir' },
    } as never);
    const words = dockerArguments(dockerRunLines(model));
    expect(words.slice(0, 4)).toEqual(['run', '--detach', '--name', hostile]);
    expect(words).toContain(`${hostile}:/data dir`);
    expect(words).toContain(`registry.example/${hostile}:v1`);
    expect(words).toContain('ENGRAM_DATA_DIR=/data dir');
  });

  it('starts Engram with the model start arguments, or the ones given', () => {
    const model = normalize({});
    const words = dockerArguments(dockerRunLines(model));
    expect(words.slice(-4)).toEqual(['--log-level=info', 'start', '--port=7432', '--grpc-port=50051']);
    expect(dockerArguments(dockerRunLines(model, { args: ['start', '--http-port=7432'] })).slice(-2)).toEqual([
      'start',
      '--http-port=7432',
    ]);
    expect(words.find((w) => w.includes('config.toml'))).toBe(
      `/tmp/deployments/docker/config/engram/config.toml:/config/engram/config.toml:ro`,
    );
  });

  it('has the ten sections, and marks every shell block for a runner or as illustrative', () => {
    const guide = renderProductionGuide(normalize({}), '');
    const headings = [...guide.matchAll(/^## (\d+)\. /gm)].map((m) => Number(m[1]));
    expect(headings).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const heading of ['## Performance tuning', '## Security hardening checklist', '## Monitoring']) {
      expect(guide).toContain(heading);
    }
    const blocks = shellBlocks(guide);
    expect(blocks.length).toBeGreaterThan(20);
    for (const block of blocks) expect(block.info).toMatch(/^(doctest:[a-z-]+(:[a-z]+)?|illustrative)$/);
    // Every fenced block of the guide is one of these (no bare ```sh block).
    expect(guide.match(/^```\w/gm)?.length).toBe(blocks.length + troubleshootingEntries(normalize({})).length);
  });

  it('follows the model: another port and namespace change the commands', () => {
    const guide = renderProductionGuide(
      normalize({ ports: { http: 8080 }, kubernetes: { namespace: 'memory' } } as never),
      '',
    );
    expect(guide).toContain('http://127.0.0.1:8080/api/v1/memories/remember');
    expect(guide).toContain('kubectl --namespace memory rollout status');
    expect(guide).not.toContain('7432');
  });

  it('runs the bare-metal section on the host layout of the model: install, start, checks, uninstall', () => {
    const model = normalize({ name: 'memoryd', ports: { http: 8080, grpc: 9090 } } as never);
    const layout = layoutFor(model);
    const guide = renderProductionGuide(model, '');
    const section = guide.slice(guide.indexOf('## 6. '), guide.indexOf('## 7. '));
    const blocks = shellBlocks(section);
    expect(blocks.map((block) => block.info)).toEqual([
      'illustrative',
      ...Array<string>(4).fill('doctest:systemd'),
      ...Array<string>(2).fill('doctest:systemd:teardown'),
    ]);
    const [build, install, , listening, , uninstall] = blocks.map((block) => block.body.split('\n'));
    expect(build).toEqual(['cargo build --release --bin engram']);
    expect(install).toEqual([
      'sudo sh deployments/systemd/install.sh --binary target/release/engram --dry-run',
      'sudo sh deployments/systemd/install.sh --binary target/release/engram',
      'sudo systemctl enable --now memoryd.service',
    ]);
    expect(listening).toEqual([
      "ss -Hltn 'sport = :8080' | grep -F 127.0.0.1:8080",
      "ss -Hltn 'sport = :9090' | grep -F 0.0.0.0:9090",
    ]);
    expect(uninstall).toEqual([
      'sudo sh deployments/systemd/install.sh --uninstall',
      'sudo ls /var/lib/memoryd/default',
    ]);
    for (const path of [layout.binaryPath, layout.unitPath, layout.configPath, layout.environmentFile, layout.dataDir])
      expect(section).toContain(`\`${path}\``);
  });

  it('keeps a fence intact when a model value holds backticks', () => {
    const model = normalize({ compose: { containerName: 'a```b' } } as never);
    const blocks = shellBlocks(renderProductionGuide(model, ''));
    expect(blocks.some((block) => block.body.includes("'a```b'"))).toBe(true);
  });

  it('puts the model values into the troubleshooting commands as single shell words', () => {
    const model = normalize({
      compose: { containerName: hostile, dataVolume: { name: hostile } },
      runtime: { dataDir: '/data dir' },
      security: { runAsUser: 4242, runAsGroup: 4343 },
      networkPolicy: { clientLabel: { key: hostile, value: 'yes' } },
    } as never);
    const entries = new Map(troubleshootingEntries(model).map((entry) => [entry.id, entry]));
    const chown = entries.get('volume-owner')?.fix.find((line) => line.includes(' chown '));
    expect(dockerArguments([chown as string]).slice(-4)).toEqual(['chown', '-R', '4242:4343', '/data dir']);
    expect(dockerArguments([chown as string])).toContain(`${hostile}:/data dir`);
    const find = entries.get('volume-owner')?.diagnose[0] as string;
    expect(dockerArguments([find]).slice(-10)).toEqual([
      'find',
      '/data dir',
      '!',
      '-user',
      '4242',
      '-exec',
      'ls',
      '-lnd',
      '{}',
      '+',
    ]);
    const patch = entries.get('networkpolicy-blocked')?.fix[0] as string;
    const words = dockerArguments([patch], 'kubectl');
    expect(JSON.parse(words.at(-1) as string)).toEqual({
      spec: { template: { metadata: { labels: { [hostile]: 'yes' } } } },
    });
    const oom = entries.get('oom-killed')?.diagnose[1] as string;
    expect(dockerArguments([oom])).toContain(`container=${hostile}`);
  });

  it('starts Engram under the memory limit given, or the model one', () => {
    const model = normalize({ resources: { limits: { memory: '3Gi' } } } as never);
    expect(dockerArguments(dockerRunLines(model))).toContain('3g');
    const words = dockerArguments(dockerRunLines(model, { memoryLimit: '64m' }));
    expect(words[words.indexOf('--memory') + 1]).toBe('64m');
  });

  it('leaves out the failures the model cannot have: no claim template, no NetworkPolicy', () => {
    const ids = (input: object) => troubleshootingEntries(normalize(input as never)).map((entry) => entry.id);
    expect(ids({})).toEqual(expect.arrayContaining(['pvc-pending', 'networkpolicy-blocked']));
    expect(ids({ persistence: { enabled: false } })).not.toContain('pvc-pending');
    expect(ids({ persistence: { existingClaim: 'mine' } })).not.toContain('pvc-pending');
    expect(ids({ networkPolicy: { enabled: false } })).not.toContain('networkpolicy-blocked');
    expect(ids({ networkPolicy: { enabled: false } })).toContain('pod-security');
  });
});
