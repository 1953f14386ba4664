import { execFileSync } from 'node:child_process';
import { modelFromText, startArguments } from '@engram/config-schema';
import fc from 'fast-check';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { layoutFor } from './bare-metal';
import { shellWord, systemdExecWord } from './quoting';
import { renderEngramToml } from '@engram/config-schema';
import { bareMetalModel } from './bare-metal';
import { renderServiceUnit, systemdBytes, systemdCpuQuota } from './render-unit';

const model = (yaml = '{}') => modelFromText(yaml, 'test model');

/** The values of one directive in a unit, in order. */
function directive(unit: string, name: string): string[] {
  return unit
    .split('\n')
    .filter((line) => line.startsWith(`${name}=`))
    .map((line) => line.slice(name.length + 1));
}

describe('the service unit', () => {
  const unit = renderServiceUnit(model());

  it('starts the binary with the start arguments of the model', () => {
    expect(directive(unit, 'ExecStart')).toEqual([['/usr/local/bin/engram', ...startArguments(model())].join(' ')]);
    expect(directive(unit, 'ExecStart')).toEqual([
      '/usr/local/bin/engram --log-level=info start --port=7432 --grpc-port=50051',
    ]);
  });

  it('follows a renamed flag, other ports and log level', () => {
    const other = renderServiceUnit(
      model('runtime:\n  logLevel: debug\n  flags:\n    httpPort: --http\nports:\n  http: 8080\n  grpc: 9091\n'),
    );
    expect(directive(other, 'ExecStart')).toEqual([
      '/usr/local/bin/engram --log-level=debug start --http=8080 --grpc-port=9091',
    ]);
  });

  it('runs as the account sysusers.d creates, with the host directories Engram is told about', () => {
    expect(directive(unit, 'Type')).toEqual(['exec']);
    expect(directive(unit, 'User')).toEqual(['engram']);
    expect(directive(unit, 'Group')).toEqual(['engram']);
    expect(directive(unit, 'DynamicUser')).toEqual([]);
    expect(directive(unit, 'StateDirectory')).toEqual(['engram']);
    expect(directive(unit, 'RuntimeDirectory')).toEqual(['engram']);
    expect(directive(unit, 'ConfigurationDirectory')).toEqual(['engram']);
    expect(directive(unit, 'Environment')).toEqual([
      'ENGRAM_DATA_DIR=/var/lib/engram',
      'ENGRAM_HTTP_BIND=127.0.0.1',
      'ENGRAM_PID_PATH=/run/engram/engram.pid',
      'ENGRAM_CONSOLIDATION_ALERT_LOG=/var/log/engram/consolidation-alerts.log',
      'XDG_CONFIG_HOME=/etc',
      'TMPDIR=/tmp',
    ]);
    expect(directive(unit, 'EnvironmentFile')).toEqual(['-/etc/engram/engram.env']);
  });

  it('stops with SIGTERM within the grace period and restarts on failure with start limits', () => {
    expect(directive(unit, 'KillSignal')).toEqual(['SIGTERM']);
    expect(directive(unit, 'TimeoutStopSec')).toEqual(['30']);
    expect(directive(renderServiceUnit(model('runtime:\n  stopGracePeriodSeconds: 95\n')), 'TimeoutStopSec')).toEqual([
      '95',
    ]);
    expect(directive(unit, 'Restart')).toEqual(['on-failure']);
    expect(directive(unit, 'StartLimitBurst')).toEqual(['5']);
    expect(directive(unit, 'StartLimitIntervalSec')).toEqual(['300']);
  });

  it('takes memory and CPU limits and the memory request from the model', () => {
    expect(directive(unit, 'MemoryMax')).toEqual(['4G']);
    expect(directive(unit, 'MemoryLow')).toEqual(['2G']);
    expect(directive(unit, 'CPUQuota')).toEqual(['200%']);
    expect(directive(unit, 'LimitNOFILE')).toEqual(['65536']);
    const other = renderServiceUnit(
      model('resources:\n  limits: {cpu: 1500m, memory: 6Gi}\n  requests: {cpu: 500m, memory: 512Mi}\n'),
    );
    expect(directive(other, 'MemoryMax')).toEqual(['6G']);
    expect(directive(other, 'CPUQuota')).toEqual(['150%']);
    expect(directive(other, 'MemoryLow')).toEqual(['512M']);
  });

  it('sandboxes the service', () => {
    for (const [name, value] of [
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
      ['MemoryDenyWriteExecute', 'yes'],
      ['UMask', '0077'],
    ])
      expect(directive(unit, name as string), name).toEqual([value]);
    expect(directive(unit, 'SystemCallFilter')).toEqual(['@system-service', '~@privileged @resources']);
  });
});

describe('config.toml on a host', () => {
  it('binds 127.0.0.1 and keeps its data in the state directory', () => {
    const toml = parse(renderEngramToml(bareMetalModel(model()))) as Record<string, any>;
    expect(toml.server.http_bind).toBe('127.0.0.1');
    expect(toml.persistence.data_root).toBe(layoutFor(model()).dataDir);
  });
});

describe('quantities', () => {
  it('converts Kubernetes quantities to systemd sizes and CPU percentages', () => {
    expect(systemdBytes('4Gi')).toBe('4G');
    expect(systemdBytes('1536Mi')).toBe('1536M');
    expect(systemdBytes('1G')).toBe('1000000000');
    expect(systemdBytes('1000')).toBe('1000');
    expect(systemdCpuQuota('2000m')).toBe('200%');
    expect(systemdCpuQuota('1.5')).toBe('150%');
    expect(systemdCpuQuota('1m')).toBe('1%');
  });
});

describe('quoting', () => {
  it('sh reads back every printable word shellWord wrote', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary-ascii' }).filter((s) => !s.includes('\0')),
          { maxLength: 5 },
        ),
        (words) => {
          const script = `for word in ${words.map(shellWord).join(' ')}; do printf '%s\\0' "$word"; done`;
          const output = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
          expect(output.split('\0').slice(0, -1)).toEqual(words);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('escapes systemd specifiers, variables, quotes and backslashes', () => {
    expect(systemdExecWord('--port=7432')).toBe('--port=7432');
    expect(systemdExecWord('50%')).toBe('"50%%"');
    expect(systemdExecWord('$HOME')).toBe('"$$HOME"');
    expect(systemdExecWord('say "hi" \\ there')).toBe('"say \\"hi\\" \\\\ there"');
    expect(systemdExecWord('')).toBe('""');
  });
});

describe('the API key store on a host', () => {
  it('lives in the state directory whenever a store is set, and is absent otherwise', () => {
    const store = (yaml: string) =>
      (parse(renderEngramToml(bareMetalModel(model(yaml)))) as Record<string, any>).security.api_keys?.storage_path;
    expect(store('{}')).toBeUndefined();
    expect(store('engram:\n  security:\n    apiKeysStoragePath: /secrets/keys\n')).toBe(
      '/var/lib/engram/api_keys.db',
    );
  });
});
