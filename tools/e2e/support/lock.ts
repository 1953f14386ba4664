import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Takes an exclusive lock on `path` and holds it until the returned function is called or this
 * process ends, however it ends. A `flock` child holds the lock while its shell watches this
 * process; both form a process group of their own, so releasing ends them at once. `waiting` is
 * printed when the lock is not free within two seconds.
 */
export function holdLock(path: string, waiting: string): Promise<() => void> {
  mkdirSync(dirname(path), { recursive: true });
  const holder = spawn(
    'flock',
    [
      '--exclusive',
      '--close',
      path,
      'sh',
      '-c',
      `echo locked; while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  const notice = setTimeout(() => process.stdout.write(`${waiting}\n`), 2000);
  return new Promise((resolve, reject) => {
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`flock exited ${code} before taking ${path}`)));
    holder.stdout.once('data', () => {
      clearTimeout(notice);
      holder.removeAllListeners('exit');
      resolve(() => {
        try {
          process.kill(-(holder.pid as number), 'SIGTERM');
        } catch {
          // Already gone: this process outlived its own watch.
        }
      });
    });
  });
}
