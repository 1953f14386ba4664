import {
  builderImage,
  dockerfileFrontendImage,
  generatedHeader,
  healthCheckCommand,
  renderContainerEnv,
  runtimeBaseImage,
  startArguments,
  type EngramDeployModel,
} from '@engram/config-schema';

export const packageName = '@engram/dockerfile';

/** Where the Dockerfile's build stage keeps what goes into the runtime image. */
const stagingRoot = '/out/rootfs';

function json(values: readonly string[]): string {
  return JSON.stringify(values).replace(/","/g, '", "');
}

function healthCheckInstruction(model: EngramDeployModel): string {
  const { intervalSeconds, timeoutSeconds, startPeriodSeconds, startIntervalSeconds, retries } =
    model.runtime.healthCheck;
  // Exec form, and nothing after the JSON array: a trailing `|| exit 1` turns it into shell form,
  // which fails in an image without a shell.
  return [
    `HEALTHCHECK --interval=${intervalSeconds}s --timeout=${timeoutSeconds}s --start-period=${startPeriodSeconds}s \\`,
    `  --start-interval=${startIntervalSeconds}s --retries=${retries} \\`,
    `  CMD ${json(healthCheckCommand(model))}`,
  ].join('\n');
}

/**
 * The Dockerfile of Engram's production image, built with BuildKit from the Engram workspace root:
 * `docker build -f deployments/docker/Dockerfile .`
 */
export function renderDockerfile(model: EngramDeployModel): string {
  const { build, runtime, ports, security } = model;
  const user = `${security.runAsUser}:${security.runAsGroup}`;
  const env = renderContainerEnv(model);

  // The syntax directive must be the first line: BuildKit stops looking for directives after it.
  return `# syntax=${dockerfileFrontendImage(model)}
${generatedHeader(packageName, '#')}#
# Build from the root of the Engram workspace (BuildKit is required for the cache mounts and for
# Dockerfile.dockerignore next to this file):
#   docker build -f deployments/docker/Dockerfile -t ${model.image.repository}:${model.image.tag} .
# Mirrors and air-gapped registries: --build-arg BUILDER_IMAGE=... --build-arg RUNTIME_IMAGE=...

ARG BUILDER_IMAGE=${builderImage(model)}
ARG RUNTIME_IMAGE=${runtimeBaseImage(model)}

# The runtime base, named so the build stage can see which shared libraries it already has.
# checkov:skip=CKV_DOCKER_7:Base images are build arguments; their defaults carry a version tag (and a digest when the model pins one)
FROM \${RUNTIME_IMAGE} AS runtime-base

FROM \${BUILDER_IMAGE} AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Build dependencies of Engram (protoc, hwloc, udev, OpenSSL, a C compiler). Only packages the
# builder image lacks are installed, so a builder that already has them needs no network here.
ARG BUILD_PACKAGES="${build.systemPackages.join(' ')}"
# hadolint ignore=DL3008,SC2086
RUN missing=""; \\
    for package in \${BUILD_PACKAGES}; do \\
      dpkg-query --show --showformat='\${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed \\
        || missing="$missing $package"; \\
    done; \\
    if [ -n "$missing" ]; then \\
      apt-get update \\
      && apt-get install --yes --no-install-recommends $missing \\
      && rm -rf /var/lib/apt/lists/*; \\
    fi

ENV CARGO_HOME=/usr/local/cargo \\
    CARGO_TERM_COLOR=never
WORKDIR /build
COPY . .

ARG CARGO_PACKAGE=${build.cargoPackage}
ARG CARGO_BIN=${build.cargoBin}
ARG CARGO_FEATURES="${build.cargoFeatures.join(' ')}"
ARG DEFAULT_FEATURES=${build.defaultFeatures}
ARG TARGET_CPU=${build.targetCpu}
# Path of a merged .profdata in the build context for a profile-guided build; empty builds without.
ARG PGO_PROFILE=${build.pgoProfile}

# Dependencies and incremental artifacts live in BuildKit cache mounts, not in layers: this holds
# for any workspace layout (no Cargo.lock, members with extra bins, benches and build scripts),
# and a change to one crate rebuilds only what depends on it. The binary is copied out of the
# cache mount in the same step. Then every shared library the binary links that the runtime base
# lacks (libhwloc and libudev with Engram's default features) is staged next to it.
RUN --mount=type=cache,id=engram-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \\
    --mount=type=cache,id=engram-cargo-git,target=/usr/local/cargo/git,sharing=locked \\
    --mount=type=cache,id=engram-target,target=/build/target,sharing=locked \\
    --mount=type=bind,from=runtime-base,target=/runtime-base \\
    rustflags="-C target-cpu=\${TARGET_CPU}"; \\
    if [ -n "\${PGO_PROFILE}" ]; then \\
      rustflags="$rustflags -C profile-use=/build/\${PGO_PROFILE} -C llvm-args=-pgo-warn-mismatch"; \\
    fi; \\
    set -- --release --package "\${CARGO_PACKAGE}" --bin "\${CARGO_BIN}"; \\
    if [ "\${DEFAULT_FEATURES}" = "false" ]; then set -- "$@" --no-default-features; fi; \\
    if [ -n "\${CARGO_FEATURES}" ]; then set -- "$@" --features "\${CARGO_FEATURES}"; fi; \\
    RUSTFLAGS="$rustflags" cargo build "$@"; \\
    install -D --mode=0755 "target/release/\${CARGO_BIN}" "${stagingRoot}${runtime.binaryPath}"; \\
    ldd "target/release/\${CARGO_BIN}" | awk '/=> \\// { print $3 }' | while read -r library; do \\
      soname=$(basename "$library"); \\
      if [ -z "$(find -L /runtime-base/lib /runtime-base/usr/lib /runtime-base/lib64 -name "$soname" -print -quit 2>/dev/null)" ]; then \\
        install -D --mode=0644 "$(readlink -f "$library")" "${stagingRoot}$(dirname "$(readlink -f "$library")")/$soname"; \\
        echo "runtime image receives $soname"; \\
      fi; \\
    done; \\
    mkdir -p /out/data

FROM runtime-base
ARG VERSION=${model.appVersion}
ARG REVISION=unknown
ARG RUNTIME_IMAGE
LABEL org.opencontainers.image.title="${model.name}" \\
      org.opencontainers.image.description="Engram cognitive graph database" \\
      org.opencontainers.image.version="\${VERSION}" \\
      org.opencontainers.image.revision="\${REVISION}" \\
      org.opencontainers.image.base.name="\${RUNTIME_IMAGE}"

# Binary and libraries owned by root (read-only to the server); only the data root is the server's.
COPY --from=builder ${stagingRoot}/ /
COPY --from=builder --chown=${user} /out/data ${runtime.dataDir}

ENV ${env.map(({ name, value }) => `${name}=${value}`).join(' \\\n    ')}
# Data lives on a volume: a container started without one still gets a writable (anonymous) one.
VOLUME ${json([runtime.dataDir])}
USER ${user}
WORKDIR ${runtime.dataDir}
EXPOSE ${ports.http} ${ports.grpc}
${healthCheckInstruction(model)}
STOPSIGNAL SIGTERM
ENTRYPOINT ${json([runtime.binaryPath])}
CMD ${json(startArguments(model))}
`;
}

/** Paths kept out of the build context (BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile). */
export function renderDockerignore(): string {
  return `${generatedHeader(packageName, '#')}#
# The build context is the Engram workspace root. Keep out build output, VCS data, local data,
# secrets and everything the image does not need.
**/target
.git
.github
**/node_modules
deployments
docs
**/engram-data
data
**/*.rs.bk
**/*.swp
.idea
.vscode
.env
.env.*
**/*.pem
**/*.key
Dockerfile*
`;
}
