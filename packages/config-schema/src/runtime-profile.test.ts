import { describe, expect, it } from 'vitest';
import { everyOptionConfig } from '../test/helpers';
import { normalize } from './normalize';
import {
  builderImage,
  configFilePath,
  engramImage,
  healthCheckCommand,
  imageReference,
  monitoringImage,
  parseImageReference,
  runtimeBaseImage,
} from './runtime-profile';

describe('runtime profile', () => {
  it('checks health with a command that has real exit semantics', () => {
    expect(healthCheckCommand(normalize({}))).toEqual(['/usr/local/bin/engram', 'space', 'list']);
  });

  it('puts the config where Engram reads it', () => {
    expect(configFilePath(normalize({}))).toBe('/config/engram/config.toml');
  });

  it('builds image references with tags, digests and a mirror registry', () => {
    const defaults = normalize({});
    expect(engramImage(defaults)).toBe('docker.io/engram/engram:0.1.0');
    expect(builderImage(defaults)).toBe('docker.io/library/rust:1.91-slim-trixie');
    expect(runtimeBaseImage(defaults)).toBe('gcr.io/distroless/cc-debian13:nonroot');
    const mirrored = normalize(everyOptionConfig());
    expect(engramImage(mirrored)).toBe(
      'mirror.internal:5000/acme/engram:0.2.0-rc.1-pgo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    expect(runtimeBaseImage(mirrored)).toMatch(/^mirror\.internal:5000\/distroless\/cc-debian13:latest@sha256:2{64}$/);
    expect(monitoringImage(mirrored, 'docker.io/prom/prometheus:v3.5.0')).toBe(
      'mirror.internal:5000/prom/prometheus:v3.5.0',
    );
  });

  it('parses references with a registry port but no tag', () => {
    expect(parseImageReference('localhost:5000/engram')).toEqual({
      repository: 'localhost:5000/engram',
      tag: '',
      digest: '',
    });
    expect(imageReference({ repository: 'localhost:5000/engram', tag: 'x', digest: '' }, 'other')).toBe(
      'other/engram:x',
    );
  });
});
