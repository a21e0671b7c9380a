// The filesystem's used bytes, after its pending writes are flushed: what a phase added on disk.
import { statfs } from 'node:fs/promises';
import { runOk } from '../lib/exec.js';

export async function usedBytes(path: string): Promise<number> {
  await runOk('sync', ['--file-system', path]);
  const s = await statfs(path);
  return (s.blocks - s.bfree) * s.bsize;
}
