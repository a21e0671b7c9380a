// An exclusive lock the kernel holds for us: a helper `flock` process takes it on a lock file and keeps
// it for as long as our end of its stdin stays open. When this process exits, however it exits
// (kill -9 included), the pipe closes, the helper ends and the lock is free: there is never a stale
// lock to judge by a pid, and two callers can never both hold it.
import { execa } from 'execa';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HelixError } from '../lib/errors.js';

export interface HeldLock {
  release(): Promise<void>;
}

const BUSY = 75;

/**
 * Takes the lock on `path` if it is free within `waitMs` (default: at once); undefined if someone holds
 * it. A holder killed a moment ago frees it only once its helper has seen the pipe close: a caller that
 * comes after a crash waits that long.
 */
export async function tryLock(path: string, waitMs = 0): Promise<HeldLock | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await lockOnce(path);
    if (lock || Date.now() >= deadline) return lock;
    await sleep(50);
  }
}

async function lockOnce(path: string): Promise<HeldLock | undefined> {
  await mkdir(dirname(path), { recursive: true });
  const child = execa('flock', ['--nonblock', '--conflict-exit-code', String(BUSY), path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
  });
  const locked = new Promise<boolean>((resolve) => {
    child.stdout?.once('data', () => resolve(true));
    void child.then(() => resolve(false));
  });
  if (!(await locked)) {
    const r = await child;
    if (r.exitCode === BUSY) return undefined;
    throw new HelixError('COMMAND_FAILED', `flock ${path}: ${String(r.stderr).trim() || r.shortMessage}`);
  }
  return {
    async release() {
      child.stdin?.end();
      await child;
    },
  };
}
