// The disk as the harness measures it: the filesystem's used bytes, after its pending writes are
// flushed (what a phase added on disk), and the sequential write probe both the bench and the main job run.
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runOk } from '../lib/exec.js';

export async function usedBytes(path: string): Promise<number> {
  await runOk('sync', ['--file-system', path]);
  const s = await statfs(path);
  return (s.blocks - s.bfree) * s.bsize;
}

/** A file inside a session on the filesystem of its data-root: the data mount. */
export const DISK_PROBE = '/var/lib/helix-data/disk-probe';

/** One sequential write of `mb` MiB to the probe file, flushed to disk before it ends (run in a session). */
export function sequentialWrite(mb: number): string {
  return `dd if=/dev/zero of=${DISK_PROBE} bs=16M count=${mb / 16} conv=fsync`;
}

/** The probe's copy, as the bench's copy row makes it. */
export const DISK_PROBE_COPY = `${DISK_PROBE}.copy`;

/**
 * Removes files of the probe and writes the removal out, outside any timing: a removal left to the
 * filesystem's background (btrfs frees and discards the extents later) slows whatever is measured next
 * (a golden session booting right after the probe took 1.35 s instead of 0.83 s).
 */
export function removeSettled(...files: string[]): string {
  return `rm -f ${files.join(' ')}; sync --file-system ${dirname(DISK_PROBE)}`;
}

/** Both of the probe's files removed, the removal written out. */
export const REMOVE_DISK_PROBE = removeSettled(DISK_PROBE, DISK_PROBE_COPY);
