import { runOk } from './process';

/** Brings up the Docker harness (engine, BuildKit, local base images) once per run. */
export default function setup(): void {
  const result = runOk('bash', ['tools/docker/ensure.sh'], { timeoutSeconds: 2400 });
  process.stdout.write(result.stdout);
}
