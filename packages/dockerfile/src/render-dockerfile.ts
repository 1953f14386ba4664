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

/** Id of the optional build secret that holds extra CA certificates (a TLS-intercepting proxy). */
export const buildCaSecret = 'build-ca';
/** A tmpfs, so the combined bundle never reaches a layer. */
const trustDir = '/run/build-trust';
const trustBundle = `${trustDir}/ca-certificates.crt`;
/** Shell (one line) that writes the system bundle plus the build secret's CAs to trustBundle. */
const trustBuildCa =
  `if [ -s /run/secrets/${buildCaSecret} ]; then ` +
  `cat /etc/ssl/certs/ca-certificates.crt /run/secrets/${buildCaSecret} > ${trustBundle} 2>/dev/null ` +
  `|| cp /run/secrets/${buildCaSecret} ${trustBundle}; fi;`;

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
${generatedHeader(packageName, '#', model)}#
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
# -e: a step fails as soon as any command in it fails, so a failed build never tags an image.
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]

# Behind a TLS-intercepting proxy, give the build your CA bundle as a secret:
#   docker build --secret id=${buildCaSecret},src=/path/to/company-ca.pem ...
# It is mounted only while the two steps that download run (apt, cargo), next to the system
# bundle, and never written to a layer or into the runtime image.

# Build dependencies of Engram (protoc with the well-known .proto files, hwloc, udev, OpenSSL,
# a C compiler). Only packages the builder image lacks are installed, so a builder that already
# has them needs no network here.
ARG BUILD_PACKAGES="${build.systemPackages.join(' ')}"
# Package names are Debian names (the model's grammar): splitting the list on spaces is safe.
# hadolint ignore=DL3008,SC2086
RUN --mount=type=secret,id=${buildCaSecret} \\
    --mount=type=tmpfs,target=${trustDir} \\
    missing=""; \\
    for package in \${BUILD_PACKAGES}; do \\
      if [ "$(dpkg-query --show --showformat='\${db:Status-Status}' "$package" 2>/dev/null)" != installed ]; then \\
        missing="$missing $package"; \\
      fi; \\
    done; \\
    if [ -n "$missing" ]; then \\
      ${trustBuildCa} \\
      ca_option="Acquire::https::CAInfo=/etc/ssl/certs/ca-certificates.crt"; \\
      if [ -s ${trustBundle} ]; then ca_option="Acquire::https::CAInfo=${trustBundle}"; fi; \\
      apt-get -o "$ca_option" update; \\
      apt-get -o "$ca_option" install --yes --no-install-recommends $missing; \\
      rm -rf /var/lib/apt/lists/*; \\
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
# Overrides of the workspace's [profile.release]; empty keeps it (Engram's: fat LTO, one codegen
# unit). Thin LTO and more codegen units make rebuilds much faster for CI and dev images.
ARG RELEASE_LTO=${build.releaseProfile.lto}
ARG RELEASE_CODEGEN_UNITS=${build.releaseProfile.codegenUnits || ''}
ARG BINARY_PATH=${runtime.binaryPath}

# Dependencies and incremental artifacts live in BuildKit cache mounts, not in layers: this holds
# for any workspace layout (no Cargo.lock, members with extra bins, benches and build scripts),
# and a change to one crate rebuilds only what depends on it. The binary is copied out of the
# cache mount in the same step. Then every shared library the binary links that the runtime base
# lacks (libhwloc and libudev with Engram's default features) is staged next to it.
RUN --mount=type=cache,id=engram-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \\
    --mount=type=cache,id=engram-cargo-git,target=/usr/local/cargo/git,sharing=locked \\
    --mount=type=cache,id=engram-target,target=/build/target,sharing=locked \\
    --mount=type=bind,from=runtime-base,target=/runtime-base \\
    --mount=type=secret,id=${buildCaSecret} \\
    --mount=type=tmpfs,target=${trustDir} \\
    ${trustBuildCa} \\
    if [ -s ${trustBundle} ]; then export CARGO_HTTP_CAINFO=${trustBundle}; fi; \\
    rustflags="-C target-cpu=\${TARGET_CPU}"; \\
    if [ -n "\${PGO_PROFILE}" ]; then \\
      rustflags="$rustflags -C profile-use=/build/\${PGO_PROFILE} -C llvm-args=-pgo-warn-mismatch"; \\
    fi; \\
    if [ -n "\${RELEASE_LTO}" ]; then export CARGO_PROFILE_RELEASE_LTO="\${RELEASE_LTO}"; fi; \\
    if [ -n "\${RELEASE_CODEGEN_UNITS}" ]; then export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="\${RELEASE_CODEGEN_UNITS}"; fi; \\
    set -- --release --package "\${CARGO_PACKAGE}" --bin "\${CARGO_BIN}"; \\
    if [ "\${DEFAULT_FEATURES}" = "false" ]; then set -- "$@" --no-default-features; fi; \\
    if [ -n "\${CARGO_FEATURES}" ]; then set -- "$@" --features "\${CARGO_FEATURES}"; fi; \\
    RUSTFLAGS="$rustflags" cargo build "$@"; \\
    install -D --mode=0755 "target/release/\${CARGO_BIN}" "${stagingRoot}\${BINARY_PATH}"; \\
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
export function renderDockerignore(model: EngramDeployModel): string {
  return `${generatedHeader(packageName, '#', model)}#
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
