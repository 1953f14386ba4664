import { engramReadsEnv, loadConfig, normalize, renderContainerEnv } from '@engram/config-schema';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDockerfile, renderDockerignore } from './render-dockerfile';

const everyOption = loadConfig(join(__dirname, '../../config-schema/test/fixtures/every-option.yaml'));

function instructions(text: string): Instruction[] {
  return DockerfileParser.parse(text).getInstructions();
}

function finalStage(text: string): Instruction[] {
  const all = instructions(text);
  const lastFrom = all.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

function args(instruction: Instruction | undefined): string {
  return instruction?.getArgumentsContent() ?? '';
}

/** The whole instruction as written, flags included (line continuations joined). */
function text(instruction: Instruction | undefined): string {
  return (instruction?.getTextContent() ?? '').replace(/\s*\\\n\s*/g, ' ');
}

const byKeyword = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);

describe('renderDockerfile', () => {
  const defaults = renderDockerfile(normalize({}));

  it('has a builder stage and a runtime stage on the runtime base', () => {
    const froms = byKeyword(instructions(defaults), 'FROM').map(args);
    expect(froms).toEqual(['${RUNTIME_IMAGE} AS runtime-base', '${BUILDER_IMAGE} AS builder', 'runtime-base']);
  });

  it('names a current Dockerfile frontend on its first line', () => {
    expect(defaults.split('\n')[0]).toBe('# syntax=docker/dockerfile:1');
    expect(renderDockerfile(everyOption).split('\n')[0]).toBe('# syntax=mirror.internal:5000/docker/dockerfile:1');
  });

  it('takes the base images as build args with the public images as defaults', () => {
    const text = defaults;
    expect(text).toContain('ARG BUILDER_IMAGE=docker.io/library/rust:1.91-slim-trixie\n');
    expect(text).toContain('ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian13:nonroot\n');
    const pinned = renderDockerfile(everyOption);
    expect(pinned).toMatch(/ARG BUILDER_IMAGE=mirror\.internal:5000\/library\/rust:1\.92-slim-trixie@sha256:1{64}\n/);
    expect(pinned).toMatch(/ARG RUNTIME_IMAGE=mirror\.internal:5000\/distroless\/cc-debian13:latest@sha256:2{64}\n/);
  });

  it('builds only the engram bin, with the model features and target CPU', () => {
    expect(defaults).toContain('set -- --release --package "${CARGO_PACKAGE}" --bin "${CARGO_BIN}";');
    expect(defaults).toContain('cargo build "$@"');
    expect(defaults).toContain('ARG TARGET_CPU=x86-64-v2\n');
    expect(defaults).toContain('ARG DEFAULT_FEATURES=true\n');
    expect(defaults).toContain('ARG RELEASE_LTO=\n');
    expect(defaults).toContain('ARG RELEASE_CODEGEN_UNITS=\n');
    const custom = renderDockerfile(everyOption);
    expect(custom).toContain('ARG CARGO_FEATURES="cluster_discovery_dns"\n');
    expect(custom).toContain('ARG TARGET_CPU=x86-64-v3\n');
    expect(custom).toContain('ARG PGO_PROFILE=pgo/merged.profdata\n');
    expect(custom).toContain('ARG RELEASE_LTO=thin\n');
    expect(custom).toContain('ARG RELEASE_CODEGEN_UNITS=16\n');
    expect(custom).toContain('ARG BUILD_PACKAGES="gcc libc6-dev pkg-config protobuf-compiler libprotobuf-dev"\n');
  });

  it('installs the well-known protobuf files the Engram protos import', () => {
    expect(defaults).toMatch(/ARG BUILD_PACKAGES="[^"]*\blibprotobuf-dev\b[^"]*"\n/);
  });

  it('runs every build step with errexit, so a failing command fails the build', () => {
    const shell = byKeyword(instructions(defaults), 'SHELL');
    expect(shell.map(args)).toEqual(['["/bin/bash", "-euo", "pipefail", "-c"]']);
    // The SHELL comes before the first RUN of the build stage.
    const keywords = instructions(defaults).map((i) => i.getKeyword());
    expect(keywords.indexOf('SHELL')).toBeLessThan(keywords.indexOf('RUN'));
  });

  it('mounts the optional build-ca secret only in the steps that download, never into a layer', () => {
    const runs = byKeyword(instructions(defaults), 'RUN').map(text);
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run).toContain('--mount=type=secret,id=build-ca');
      expect(run).toContain('--mount=type=tmpfs,target=/run/build-trust');
    }
    expect(runs[1]).toContain('CARGO_HTTP_CAINFO=/run/build-trust/ca-certificates.crt');
    expect(byKeyword(finalStage(defaults), 'COPY').map(text).join('\n')).not.toMatch(/build-ca|build-trust/);
  });

  it('caches dependencies and artifacts in BuildKit cache mounts', () => {
    const run = byKeyword(instructions(defaults), 'RUN').find((i) => args(i).includes('cargo build'));
    expect(text(run)).toMatch(/--mount=type=cache,id=engram-target,target=\/build\/target/);
    expect(text(run)).toMatch(/--mount=type=cache,id=engram-cargo-registry,target=\/usr\/local\/cargo\/registry/);
    expect(text(run)).toMatch(/--mount=type=bind,from=runtime-base,target=\/runtime-base/);
  });

  it('runs as 65534 in /data, with the binary owned by root', () => {
    const stage = finalStage(defaults);
    expect(args(byKeyword(stage, 'USER')[0])).toBe('65534:65534');
    expect(args(byKeyword(stage, 'WORKDIR')[0])).toBe('/data');
    expect(args(byKeyword(stage, 'VOLUME')[0])).toBe('["/data"]');
    const copies = byKeyword(stage, 'COPY').map(text);
    expect(copies).toEqual([
      'COPY --from=builder /out/rootfs/ /',
      'COPY --from=builder --chown=65534:65534 /out/data /data',
    ]);
    expect(defaults).toContain('install -D --mode=0755 "target/release/${CARGO_BIN}" "/out/rootfs${BINARY_PATH}"');
    expect(defaults).toContain('ARG BINARY_PATH=/usr/local/bin/engram\n');
  });

  it('uses exec form for the entrypoint, command and health check, and nothing after the JSON array', () => {
    const stage = finalStage(defaults);
    expect(args(byKeyword(stage, 'ENTRYPOINT')[0])).toBe('["/usr/local/bin/engram"]');
    expect(args(byKeyword(stage, 'CMD')[0])).toBe('["--log-level=info", "start", "--port=7432", "--grpc-port=50051"]');
    const healthcheck = byKeyword(stage, 'HEALTHCHECK')[0];
    expect(text(healthcheck)).toMatch(/ CMD \["\/usr\/local\/bin\/engram", "space", "list"\]$/);
    expect(text(healthcheck)).toMatch(
      /^HEALTHCHECK --interval=5s --timeout=3s --start-period=15s --start-interval=1s --retries=3 CMD/,
    );
    expect(args(byKeyword(stage, 'STOPSIGNAL')[0])).toBe('SIGTERM');
    expect(args(byKeyword(stage, 'EXPOSE')[0])).toBe('7432 50051');
  });

  it('sets only environment variables Engram reads', () => {
    const envLines = byKeyword(finalStage(defaults), 'ENV').flatMap((i) =>
      args(i).split(/\s*\\?\n\s*|\s+(?=[A-Z_]+=)/),
    );
    const names = envLines.map((line) => line.split('=')[0]).filter(Boolean);
    expect(names).toEqual(renderContainerEnv(normalize({})).map((v) => v.name));
    for (const name of names)
      expect(name?.startsWith('MIMALLOC_') || (engramReadsEnv as readonly string[]).includes(name ?? '')).toBe(true);
    expect(defaults).not.toMatch(/RUST_LOG|ENGRAM_HTTP_PORT|ENGRAM_NUMA|MIMALLOC_RESERVE_HUGE_OS_PAGES/);
  });

  it('labels the image with OCI annotations, version and revision from build args', () => {
    const label = args(byKeyword(finalStage(defaults), 'LABEL')[0]);
    for (const key of ['title', 'description', 'version', 'revision', 'base.name']) {
      expect(label).toContain(`org.opencontainers.image.${key}=`);
    }
    expect(label).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(defaults).toContain('ARG VERSION=0.1.0\n');
  });

  it('follows the model for ports, paths, user and start flags', () => {
    const custom = renderDockerfile(everyOption);
    const stage = finalStage(custom);
    expect(args(byKeyword(stage, 'USER')[0])).toBe('10001:10001');
    expect(args(byKeyword(stage, 'EXPOSE')[0])).toBe('8432 50052');
    expect(args(byKeyword(stage, 'ENTRYPOINT')[0])).toBe('["/opt/engram/bin/engram"]');
    expect(args(byKeyword(stage, 'CMD')[0])).toBe(
      '["--log-level=debug", "start", "--port=8432", "--grpc-port=50052", "--quiet-banner"]',
    );
    expect(custom).toContain('MIMALLOC_RESERVE_HUGE_OS_PAGES=2');
    expect(args(byKeyword(stage, 'WORKDIR')[0])).toBe('/var/lib/engram');
  });

  it('parses without a syntax problem', () => {
    for (const text of [defaults, renderDockerfile(everyOption)]) {
      expect(DockerfileParser.parse(text).getInstructions().length).toBeGreaterThan(20);
    }
  });
});

describe('renderDockerignore', () => {
  it('keeps build output, VCS data, node modules and secrets out of the context', () => {
    const lines = renderDockerignore(normalize({}))
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const pattern of ['**/target', '.git', '**/node_modules', '.env', 'deployments'])
      expect(lines).toContain(pattern);
  });

  it('never ignores what the Engram build needs', () => {
    const lines = renderDockerignore(normalize({}))
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const needed of ['proto', 'migrations', 'engram-cli', 'Cargo.toml', 'Cargo.lock', 'src']) {
      expect(lines.some((pattern) => pattern === needed || pattern === `**/${needed}`)).toBe(false);
    }
  });
});
