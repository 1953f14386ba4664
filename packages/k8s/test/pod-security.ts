import type { PodSpec, Container, SecurityContext } from 'kubernetes-types/core/v1';

/**
 * Field-by-field check of the Pod Security Standards "restricted" profile (which includes
 * "baseline"), as the Kubernetes documentation defines it. Returns one line per violation.
 */
export function restrictedViolations(spec: PodSpec): string[] {
  const violations: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers: Container[] = [
    ...(spec.initContainers ?? []),
    ...spec.containers,
    ...((spec.ephemeralContainers ?? []) as Container[]),
  ];
  const add = (rule: string, where: string) => violations.push(`${rule}: ${where}`);

  // Baseline
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) add('host namespaces', 'pod');
  if (pod.windowsOptions?.hostProcess) add('hostProcess', 'pod');
  if (pod.seLinuxOptions?.user || pod.seLinuxOptions?.role) add('SELinux user/role', 'pod');
  for (const sysctl of pod.sysctls ?? []) {
    if (
      ![
        'kernel.shm_rmid_forced',
        'net.ipv4.ip_local_port_range',
        'net.ipv4.ip_unprivileged_port_start',
        'net.ipv4.tcp_syncookies',
        'net.ipv4.ping_group_range',
        'net.ipv4.ip_local_reserved_ports',
        'net.ipv4.tcp_keepalive_time',
        'net.ipv4.tcp_fin_timeout',
        'net.ipv4.tcp_keepalive_intvl',
        'net.ipv4.tcp_keepalive_probes',
      ].includes(sysctl.name)
    )
      add('unsafe sysctl', sysctl.name);
  }
  const allowedVolumes = [
    'configMap',
    'csi',
    'downwardAPI',
    'emptyDir',
    'ephemeral',
    'persistentVolumeClaim',
    'projected',
    'secret',
  ];
  for (const volume of spec.volumes ?? []) {
    const kinds = Object.keys(volume).filter((key) => key !== 'name');
    for (const kind of kinds) if (!allowedVolumes.includes(kind)) add(`volume type ${kind}`, volume.name);
  }
  if (pod.appArmorProfile?.type === 'Unconfined') add('AppArmor unconfined', 'pod');

  // Restricted: pod-level settings containers may inherit.
  const podRunAsNonRoot = pod.runAsNonRoot === true;
  const podSeccomp = pod.seccompProfile?.type;
  if (pod.runAsUser === 0) add('runAsUser 0', 'pod');
  if (podSeccomp && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) add('seccomp', 'pod');

  for (const container of containers) {
    const sc: SecurityContext = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (sc.privileged) add('privileged', where);
    if (sc.windowsOptions?.hostProcess) add('hostProcess', where);
    if ((container.ports ?? []).some((port) => port.hostPort)) add('hostPort', where);
    if (sc.procMount && sc.procMount !== 'Default') add('procMount', where);
    if (sc.seLinuxOptions?.user || sc.seLinuxOptions?.role) add('SELinux user/role', where);
    if (sc.appArmorProfile?.type === 'Unconfined') add('AppArmor unconfined', where);
    if (sc.allowPrivilegeEscalation !== false) add('allowPrivilegeEscalation must be false', where);
    if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && podRunAsNonRoot)))
      add('runAsNonRoot must be true', where);
    if (sc.runAsUser === 0) add('runAsUser 0', where);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (!seccomp || !['RuntimeDefault', 'Localhost'].includes(seccomp))
      add('seccompProfile must be RuntimeDefault or Localhost', where);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) add('capabilities must drop ALL', where);
    for (const capability of sc.capabilities?.add ?? [])
      if (capability !== 'NET_BIND_SERVICE') add(`capability ${capability}`, where);
  }
  return violations;
}
