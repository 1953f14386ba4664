import { engramImage } from './docker';
import { run, runOk, sleep, type Result } from './process';

// A Debian trixie "host" booted by systemd as PID 1 in a container (the image comes from
// tools/systemd/build-host-image.sh), for the tests that install Engram as a systemd service.
//
// What makes systemd 257 boot here: the machine mounts cgroups v1 in hybrid mode, and systemd
// 256 and newer refuse legacy hierarchies unless SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1 is in its
// environment and systemd.unified_cgroup_hierarchy=0 on its command line (in a container, systemd
// reads its arguments as the kernel command line). The container has its own cgroup namespace, in
// which systemd mounts its hierarchies. It is not --privileged: root on these machines lacks
// CAP_SYS_RESOURCE, so asking for every capability fails; it gets the ones systemd and the unit's
// sandbox use (mounts, namespaces, seccomp filters) instead. No D-Bus: systemctl talks to systemd's
// private socket, so the tests use units, not systemd-run.
const hostCapabilities = [
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'MKNOD',
  'SYS_NICE',
  'IPC_LOCK',
  'AUDIT_CONTROL',
  'DAC_READ_SEARCH',
  'SYS_CHROOT',
  'SETPCAP',
  'LINUX_IMMUTABLE',
];

export const hostImage = 'localhost/engram-systemd-host:trixie';

/** A booted host: a running container named `container`. */
export interface SystemdHost {
  readonly container: string;
  /** Runs a POSIX sh script in the host as root. */
  sh(script: string, timeoutSeconds?: number): Result;
  /** Same, and throws with the output when it fails; returns stdout. */
  shOk(script: string, timeoutSeconds?: number): string;
  /** Copies a file or directory of this machine to a path in the host. */
  copyIn(source: string, destination: string): void;
  /** Removes the container (unless ENGRAM_E2E_KEEP=1). */
  remove(): void;
}

function hostCommands(container: string): SystemdHost {
  const sh = (script: string, timeoutSeconds = 120) =>
    run('docker', ['exec', container, 'sh', '-c', script], { timeoutSeconds });
  return {
    container,
    sh,
    shOk(script, timeoutSeconds) {
      const result = sh(script, timeoutSeconds);
      if (result.status !== 0) throw new Error(`${script}\nexited ${result.status}\n${result.stdout}${result.stderr}`);
      return result.stdout;
    },
    copyIn(source, destination) {
      runOk('docker', ['cp', source, `${container}:${destination}`]);
    },
    remove() {
      if (process.env.ENGRAM_E2E_KEEP !== '1') run('docker', ['rm', '-f', container]);
    },
  };
}

/** Builds (or reuses) the host image and boots a fresh host; resolves once systemd is up. */
export async function bootSystemdHost(container: string): Promise<SystemdHost> {
  runOk('bash', ['tools/systemd/build-host-image.sh'], { timeoutSeconds: 1800 });
  run('docker', ['rm', '-f', container]);
  runOk('docker', [
    'run',
    '-d',
    '--name',
    container,
    ...hostCapabilities.flatMap((capability) => ['--cap-add', capability]),
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'apparmor=unconfined',
    '--cgroupns=private',
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/run/lock',
    '--tmpfs',
    '/tmp',
    '-e',
    'SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE=1',
    hostImage,
    '/lib/systemd/systemd',
    'systemd.unified_cgroup_hierarchy=0',
  ]);
  const host = hostCommands(container);
  const deadline = Date.now() + 120_000;
  while (!/^(running|degraded)/.test(host.sh('systemctl is-system-running').stdout.trim())) {
    if (Date.now() > deadline) throw new Error(`systemd in ${container} did not boot within 120 s`);
    await sleep(500);
  }
  return host;
}

/** Copies the real Engram binary out of the Engram image to `destination` on this machine. */
export function extractEngramBinary(binaryPathInImage: string, destination: string): void {
  if (run('docker', ['image', 'inspect', engramImage]).status !== 0)
    throw new Error(`${engramImage} is missing: it carries the real Engram binary the systemd tests install`);
  const source = `engram-binary-${process.pid}`;
  try {
    run('docker', ['rm', '-f', source]);
    runOk('docker', ['create', '--name', source, engramImage]);
    runOk('docker', ['cp', `${source}:${binaryPathInImage}`, destination]);
  } finally {
    run('docker', ['rm', '-f', source]);
  }
}
