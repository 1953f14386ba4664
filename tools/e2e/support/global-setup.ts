import { runOk } from './process';

/** Brings up the Docker harness (engine, BuildKit, local base images) and the scanners once per run. */
export default function setup(): void {
  for (const script of [
    'tools/docker/ensure.sh',
    'tools/docker/build-monitoring-images.sh',
    'tools/scanners/install.sh',
  ]) {
    const result = runOk('bash', [script], { timeoutSeconds: 2400 });
    process.stdout.write(result.stdout + result.stderr);
  }
}
