import type { EngramDeployModel } from './normalize';

/**
 * Where Engram lives on a host. The model's runtime paths describe the container (/data, /config,
 * /tmp/engram.pid); on a host they follow from the unit's systemd-managed directories instead.
 * @engram/systemd writes the unit and installer from it, and the operator guide names the same paths.
 */
export interface BareMetalLayout {
  /** Unit, user and group name, and the name of the state, runtime and logs directories. */
  readonly name: string;
  readonly unitFile: string;
  readonly binaryPath: string;
  /** StateDirectory=: ENGRAM_DATA_DIR. */
  readonly dataDir: string;
  /** RuntimeDirectory=: holds the PID file. */
  readonly runtimeDir: string;
  readonly pidPath: string;
  /** LogsDirectory=: the consolidation alert log survives restarts (PrivateTmp= does not). */
  readonly logsDir: string;
  readonly consolidationAlertLog: string;
  /** XDG_CONFIG_HOME: Engram reads `$XDG_CONFIG_HOME/<configFile>`. */
  readonly configHome: string;
  /** ConfigurationDirectory= (relative to /etc): the directory part of runtime.configFile. */
  readonly configDirectoryName: string;
  readonly configPath: string;
  /** Operator overrides (EnvironmentFile=), kept across reinstalls. */
  readonly environmentFile: string;
  readonly sysusersFile: string;
  readonly tmpfilesFile: string;
  readonly unitPath: string;
  /** PrivateTmp= gives the service its own /tmp. */
  readonly tmpDir: string;
  /** Engram's own default bind; ENGRAM_HTTP_BIND in the environment file opens it up. */
  readonly httpBind: string;
  /** The API key store, a SQLite database Engram writes: in the state directory, the one writable place it fits. */
  readonly apiKeysStoragePath: string;
}

export function layoutFor(model: EngramDeployModel): BareMetalLayout {
  const { name } = model;
  const configDirectoryName = model.runtime.configFile.split('/')[0] ?? name;
  const configHome = '/etc';
  return {
    name,
    unitFile: `${name}.service`,
    binaryPath: model.runtime.binaryPath,
    dataDir: `/var/lib/${name}`,
    runtimeDir: `/run/${name}`,
    pidPath: `/run/${name}/${name}.pid`,
    logsDir: `/var/log/${name}`,
    consolidationAlertLog: `/var/log/${name}/consolidation-alerts.log`,
    configHome,
    configDirectoryName,
    configPath: `${configHome}/${model.runtime.configFile}`,
    environmentFile: `${configHome}/${configDirectoryName}/${name}.env`,
    sysusersFile: `/etc/sysusers.d/${name}.conf`,
    tmpfilesFile: `/etc/tmpfiles.d/${name}.conf`,
    unitPath: `/etc/systemd/system/${name}.service`,
    tmpDir: '/tmp',
    httpBind: '127.0.0.1',
    apiKeysStoragePath: `/var/lib/${name}/api_keys.db`,
  };
}
