import { describe, expect, it } from 'vitest';
import { validate } from './validate';

/** One hostile or malformed value per class, with the path its issue must name. */
const refused: { name: string; config: unknown; path: string; message: RegExp }[] = [
  // Kubernetes label and annotation maps.
  {
    name: 'label key with a space',
    config: { kubernetes: { commonLabels: { 'team name': 'a' } } },
    path: 'kubernetes.commonLabels["team name"]',
    message: /not a valid key/,
  },
  {
    name: 'label key with two slashes',
    config: { kubernetes: { podLabels: { 'a/b/c': 'x' } } },
    path: 'kubernetes.podLabels["a/b/c"]',
    message: /not a valid key/,
  },
  {
    name: 'label key name of 64 characters',
    config: { kubernetes: { podLabels: { [`x${'a'.repeat(63)}`]: 'x' } } },
    path: `kubernetes.podLabels.x${'a'.repeat(63)}`,
    message: /not a valid key/,
  },
  {
    name: 'label key prefix of 254 characters',
    config: { kubernetes: { commonLabels: { [`${'a.'.repeat(126)}bc/name`]: 'x' } } },
    path: `kubernetes.commonLabels["${'a.'.repeat(126)}bc/name"]`,
    message: /prefix longer than 253/,
  },
  {
    name: 'label value with a newline',
    config: { kubernetes: { commonLabels: { team: 'x\n  hostNetwork: true' } } },
    path: 'kubernetes.commonLabels.team',
    message: /wrong format/,
  },
  {
    name: 'label value of 64 characters',
    config: { scheduling: { nodeSelector: { pool: 'a'.repeat(64) } } },
    path: 'scheduling.nodeSelector.pool',
    message: /wrong format|too long/,
  },
  {
    name: 'annotation key with a newline',
    config: { service: { annotations: { 'a\nb': 'x' } } },
    path: 'service.annotations["a\\nb"]',
    message: /not a valid key/,
  },
  {
    name: 'annotation value with a lone surrogate',
    config: { ingress: { annotations: { note: 'a\uD800b' } } },
    path: 'ingress.annotations.note',
    message: /lone UTF-16 surrogate/,
  },
  // Object names.
  {
    name: 'ServiceAccount name of 254 characters',
    config: { kubernetes: { serviceAccount: { name: 'a'.repeat(254) } } },
    path: 'kubernetes.serviceAccount.name',
    message: /too long/,
  },
  {
    name: 'ServiceAccount name with an empty label',
    config: { kubernetes: { serviceAccount: { name: 'a..b' } } },
    path: 'kubernetes.serviceAccount.name',
    message: /wrong format/,
  },
  {
    name: 'priority class with a newline',
    config: { scheduling: { priorityClassName: 'x\n  hostPID: true' } },
    path: 'scheduling.priorityClassName',
    message: /wrong format/,
  },
  {
    name: 'ingress class with upper case',
    config: { ingress: { className: 'Nginx' } },
    path: 'ingress.className',
    message: /wrong format/,
  },
  {
    name: 'extra manifest name with a slash',
    config: { kubernetes: { extraManifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '../x' } }] } },
    path: 'kubernetes.extraManifests[0].metadata.name',
    message: /wrong format/,
  },
  // OCI references.
  {
    name: 'repository with a tag',
    config: { image: { repository: 'engram:1234' } },
    path: 'image.repository',
    message: /wrong format/,
  },
  {
    name: 'repository with upper case',
    config: { image: { repository: 'engram/Engram' } },
    path: 'image.repository',
    message: /wrong format/,
  },
  {
    name: 'registry with a quote',
    config: { image: { registry: 'r"x' } },
    path: 'image.registry',
    message: /wrong format/,
  },
  {
    name: 'appVersion with build metadata',
    config: { appVersion: '1.0.0+build' },
    path: 'appVersion',
    message: /wrong format/,
  },
  {
    name: 'appVersion of 64 characters',
    config: { appVersion: `1${'0'.repeat(63)}` },
    path: 'appVersion',
    message: /wrong format/,
  },
  // Compose reads top-level keys beginning with x- as extensions.
  {
    name: 'Compose network named like an extension field',
    config: { compose: { network: { name: 'x-net' } } },
    path: 'compose.network.name',
    message: /must not begin with "x-"/,
  },
  {
    name: 'Compose volume named like an extension field',
    config: { compose: { dataVolume: { name: 'x-data' } } },
    path: 'compose.dataVolume.name',
    message: /must not begin with "x-"/,
  },
  // Addresses.
  {
    name: 'CIDR with octets and prefix out of range',
    config: { service: { loadBalancerSourceRanges: ['999.999.999.999/99'] } },
    path: 'service.loadBalancerSourceRanges[0]',
    message: /wrong format/,
  },
  {
    name: 'IPv6 CIDR that is not an address',
    config: { service: { loadBalancerSourceRanges: ['fd00:::1::/8'] } },
    path: 'service.loadBalancerSourceRanges[0]',
    message: /not a CIDR/,
  },
  {
    name: 'publish address out of range',
    config: { compose: { publishAddress: '300.1.2.3' } },
    path: 'compose.publishAddress',
    message: /wrong format/,
  },
  {
    name: 'IPv6 publish address that is not one',
    config: { compose: { publishAddress: '1:2:3' } },
    path: 'compose.publishAddress',
    message: /not an IPv4 or IPv6 address/,
  },
  {
    name: 'subnet prefix out of range',
    config: { compose: { network: { subnet: '10.0.0.0/33' } } },
    path: 'compose.network.subnet',
    message: /wrong format/,
  },
  // Paths.
  {
    name: 'seccomp profile escaping its directory',
    config: { security: { seccompProfile: 'Localhost', seccompLocalhostProfile: '../../etc/passwd' } },
    path: 'security.seccompLocalhostProfile',
    message: /wrong format/,
  },
  {
    name: 'seccomp profile with a newline',
    config: { security: { seccompProfile: 'Localhost', seccompLocalhostProfile: 'x\n  hostNetwork: true' } },
    path: 'security.seccompLocalhostProfile',
    message: /wrong format/,
  },
  {
    name: 'data dir that resolves to /etc',
    config: { runtime: { dataDir: '/data/../etc' } },
    path: 'runtime.dataDir',
    message: /wrong format/,
  },
  {
    name: 'data dir in a system directory',
    config: { runtime: { dataDir: '/usr/local/engram' } },
    path: 'runtime.dataDir',
    message: /system directory \/usr/,
  },
  {
    name: 'data dir on /lib64',
    config: { runtime: { dataDir: '/lib64' } },
    path: 'runtime.dataDir',
    message: /system directory \/lib64/,
  },
  {
    name: 'config home on the root',
    config: { runtime: { configHome: '/' } },
    path: 'runtime.configHome',
    message: /root directory/,
  },
  {
    name: 'scratch dir on /proc',
    config: { runtime: { tmpDir: '/proc', pidPath: '/proc/engram.pid', consolidationAlertLog: '/proc/a.log' } },
    path: 'runtime.tmpDir',
    message: /system directory \/proc/,
  },
  {
    name: 'API key Secret mounted over /etc',
    config: { engram: { security: { authMode: 'api_key', apiKeysStoragePath: '/etc/api-keys' } } },
    path: 'engram.security.apiKeysStoragePath',
    message: /system directory \/etc/,
  },
  {
    name: 'API key Secret mounted over /',
    config: { engram: { security: { authMode: 'api_key', apiKeysStoragePath: '/api-keys' } } },
    path: 'engram.security.apiKeysStoragePath',
    message: /root directory/,
  },
  {
    name: 'API key Secret mounted over the scratch dir',
    config: { engram: { security: { authMode: 'api_key', apiKeysStoragePath: '/tmp/api-keys' } } },
    path: 'engram.security.apiKeysStoragePath',
    message: /overlaps runtime\.tmpDir/,
  },
  {
    name: 'extra volume mounted on /var/run',
    config: {
      kubernetes: {
        extraVolumes: [{ name: 'x', emptyDir: {} }],
        extraVolumeMounts: [{ name: 'x', mountPath: '/var/run' }],
      },
    },
    path: 'kubernetes.extraVolumeMounts[0].mountPath',
    message: /system directory \/var\/run/,
  },
  {
    name: 'host bind of /',
    config: { compose: { dataVolume: { hostPath: '/' } } },
    path: 'compose.dataVolume.hostPath',
    message: /host root directory/,
  },
  {
    name: 'host bind of the Docker socket',
    config: { compose: { dataVolume: { hostPath: '/var/run/docker.sock' } } },
    path: 'compose.dataVolume.hostPath',
    message: /Docker socket/,
  },
  {
    name: 'host bind of /run/docker.sock',
    config: { compose: { dataVolume: { hostPath: '/run/docker.sock' } } },
    path: 'compose.dataVolume.hostPath',
    message: /system directory \/run/,
  },
  {
    name: 'host bind with ..',
    config: { compose: { dataVolume: { hostPath: '/srv/../etc' } } },
    path: 'compose.dataVolume.hostPath',
    message: /wrong format/,
  },
  {
    name: 'config file escaping the config home',
    config: { runtime: { configFile: '../engram.toml' } },
    path: 'runtime.configFile',
    message: /wrong format/,
  },
  // Strings that reach the Dockerfile carry no quote, $, backslash, whitespace or newline.
  {
    name: 'PGO profile with a quote and $',
    config: { build: { pgoProfile: 'a"$(id).profdata' } },
    path: 'build.pgoProfile',
    message: /wrong format/,
  },
  {
    name: 'PGO profile escaping the context',
    config: { build: { pgoProfile: '../x.profdata' } },
    path: 'build.pgoProfile',
    message: /wrong format/,
  },
  {
    name: 'system package with a space',
    config: { build: { systemPackages: ['gcc curl'] } },
    path: 'build.systemPackages[0]',
    message: /wrong format/,
  },
  {
    name: 'cargo feature with a quote',
    config: { build: { cargoFeatures: ['a"b'] } },
    path: 'build.cargoFeatures[0]',
    message: /allowed value/,
  },
  {
    name: 'target CPU with $',
    config: { build: { targetCpu: '$(id)' } },
    path: 'build.targetCpu',
    message: /wrong format/,
  },
  {
    name: 'start argument with a newline',
    config: { runtime: { extraArgs: ['--a\nRUN id'] } },
    path: 'runtime.extraArgs[0]',
    message: /wrong format/,
  },
];

/** Values at the edge of each grammar that real deployments use. */
const accepted: { name: string; config: unknown }[] = [
  {
    name: 'prefixed label keys and dotted values',
    config: { kubernetes: { commonLabels: { 'example.com/team': 'a.b-c_d', tier: '' } } },
  },
  {
    name: 'annotation with free text',
    config: {
      service: {
        annotations: {
          'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
          note: 'any text: "quoted", $HOME\nand lines',
        },
      },
    },
  },
  {
    name: 'repository on a registry with a port',
    config: { image: { repository: 'registry.local:5000/team/engram' } },
  },
  {
    name: 'IPv6 source range and publish address',
    config: {
      service: { type: 'LoadBalancer', loadBalancerSourceRanges: ['fd00::/8', '10.0.0.0/8'] },
      compose: { publishAddress: '::1' },
    },
  },
  {
    name: 'seccomp profile below a directory',
    config: { security: { seccompProfile: 'Localhost', seccompLocalhostProfile: 'profiles/engram.json' } },
  },
  { name: 'data dir below /var/lib', config: { runtime: { dataDir: '/var/lib/engram' } } },
  { name: 'host bind below /srv', config: { compose: { dataVolume: { hostPath: '/srv/engram-data' } } } },
];

describe('input grammars', () => {
  it.each(refused)('refuses $name', ({ config, path, message }) => {
    const result = validate(config);
    expect(result.ok).toBe(false);
    const issue = result.issues.find((i) => i.path === path && message.test(i.message));
    expect(issue, JSON.stringify(result.issues, null, 2)).toBeDefined();
  });

  it.each(accepted)('accepts $name', ({ config }) => {
    expect(validate(config).issues).toEqual([]);
  });
});
