// Filesystem facts the golden restore (init) and the host's data-roots both decide on.
import { stat } from 'node:fs/promises';
import { runOk } from './exec.js';

/** The filesystem type name `stat -f` reports: btrfs, xfs, ext2/ext3, overlayfs, ... */
export async function fsType(path: string): Promise<string> {
  return (await runOk('stat', ['-f', '-c', '%T', path])).stdout.trim();
}

/** True for the root directory of a btrfs subvolume (inode 256 on btrfs). */
export async function isSubvolume(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  return s?.ino === 256 && (await fsType(path)) === 'btrfs';
}
