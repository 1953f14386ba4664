import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildImage, engramContext, engramImage } from '../support/docker';
import { run } from '../support/process';

// Runs beside the other files (support/lanes.ts): it builds an image of its own from a context of its
// own, and runs it only with no network. A feature of engram-cli recompiles that crate and relinks
// the binary with fat LTO, single-threaded: beside the cluster files, which mostly wait, that link
// costs the run little.

/** The image with the extra cargo feature the model offers (`build.cargoFeatures`). */
const variant = 'localhost/engram:e2e-dns-discovery';

it('builds with the extra cargo feature the model offers, which the binary then has', () => {
  // engram-cli checks this feature when it validates a config that asks for DNS discovery.
  const configDir = mkdtempSync(join(tmpdir(), 'engram-dns-config-'));
  // mkdtemp makes the folder 0700: the image's non-root user could not read the file in it,
  // and Engram reports an unreadable file as "not found".
  chmodSync(configDir, 0o755);
  writeFileSync(
    join(configDir, 'config.toml'),
    '[cluster]\nenabled = true\n\n[cluster.discovery]\ntype = "dns"\nservice = "_engram._tcp.engram.svc"\nport = 7946\n',
    { mode: 0o644 },
  );
  const validate = (tag: string) =>
    run('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--volume',
      `${configDir}:/check:ro`,
      tag,
      'validate',
      'config',
      '--file',
      '/check/config.toml',
    ]);
  const context = engramContext('cargo-feature');
  try {
    const build = buildImage({ tag: variant, context, buildArgs: { CARGO_FEATURES: 'cluster_discovery_dns' } });
    console.log(`built ${variant} in ${build.seconds.toFixed(1)} s`);
    const missing = 'requires the cluster_discovery_dns feature';
    const withDefault = validate(engramImage);
    expect(withDefault.stdout + withDefault.stderr).toContain(missing);
    const withFeature = validate(variant);
    expect(withFeature.stdout + withFeature.stderr).not.toContain(missing);
    expect(withFeature.stdout + withFeature.stderr).toMatch(/dns|cluster|valid/i);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
    rmSync(context, { recursive: true, force: true });
    run('docker', ['image', 'rm', variant]);
  }
}, 2_400_000);
