// Data-roots as btrfs subvolumes where the host state is on btrfs: a golden promoted from a session's
// data-root is then a subvolume, and a new session starts from it by a constant-time snapshot.
import { lstat, rm } from 'node:fs/promises';
import { fsType, isSubvolume } from '../lib/btrfs.js';
import { run, runOk } from '../lib/exec.js';

/** Creates `path` as a subvolume when its parent is on btrfs; elsewhere dockerd creates a plain directory. */
export async function createDataRoot(path: string, parent: string): Promise<void> {
  if ((await fsType(parent)) === 'btrfs') await runOk('btrfs', ['subvolume', 'create', path]);
}

/**
 * Removes a tree that may hold data-root subvolumes directly under it (or be one): those are deleted
 * as subvolumes, which is immediate, rather than file by file. A session controls what is in its
 * directory: a path that is a symlink is removed as a link, never followed to what it points at.
 */
export async function removeTree(path: string, subvolumes: readonly string[]): Promise<void> {
  for (const p of [...subvolumes, path]) {
    const st = await lstat(p).catch(() => undefined);
    if (st?.isDirectory() && (await isSubvolume(p))) await run('btrfs', ['subvolume', 'delete', p]);
  }
  await rm(path, { recursive: true, force: true });
}
