// CPU the whole machine spends, from /proc/stat: a session's work is spread over its own container,
// the host's dockerd, BuildKit and the registry, so no one container's counter holds all of it.
import { readFile } from 'node:fs/promises';
import { HelixError } from '../lib/errors.js';

/** Kernel clock ticks per second for /proc/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** Busy time in ms on the aggregate `cpu` line: everything but idle and iowait. Pure. */
export function busyMs(procStat: string): number {
  const fields = /^cpu\s+(.+)$/m.exec(procStat)?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 4 || fields.some((n) => !Number.isFinite(n))) throw new HelixError('INTERNAL', '/proc/stat has no aggregate cpu line');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_S;
}

export async function machineBusyMs(): Promise<number> {
  return busyMs(await readFile('/proc/stat', 'utf8'));
}
