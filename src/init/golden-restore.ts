// Restoring a golden data-root into a session's data-root before dockerd starts. The copy lands under a
// temporary name and is renamed into place, then a marker is written: dockerd never sees half a
// data-root, and a data-root restored on an earlier boot is reused.
import { chmod, chown, mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readIfExists } from '../lib/atomic-write.js';
import { HelixError } from '../lib/errors.js';
import { fsType, isSubvolume } from '../lib/btrfs.js';
import { run, runOk } from '../lib/exec.js';

export type RestoreMethod = 'btrfs-snapshot' | 'reflink' | 'copy' | 'parallel-copy';

export const RESTORE_METHODS: readonly RestoreMethod[] = ['btrfs-snapshot', 'reflink', 'copy', 'parallel-copy'];

export interface RestoreMarker {
  goldenId: string;
  method: RestoreMethod;
  ms: number;
  bytes?: number;
  restoredAt: string;
  /** Written before a restore into an existing directory starts; a crash leaves it, and the next boot starts over. */
  restoring?: boolean;
}

/** The data-root before a restore: none, an empty directory (a fresh named volume), or data. */
export type TargetState = 'absent' | 'empty' | 'data';

export type RestoreDecision = { kind: 'none' } | { kind: 'reuse'; marker: RestoreMarker } | { kind: 'keep'; why: string } | { kind: 'restore'; into: boolean };

/**
 * Pure: what to do at boot given the golden configured and the data-root's state. An empty directory is
 * not the session's own data (a named volume is created empty): the golden is restored into it.
 */
export function decideRestore(golden: string | undefined, goldenId: string, state: TargetState, marker: RestoreMarker | undefined): RestoreDecision {
  if (!golden) return { kind: 'none' };
  if (state !== 'absent' && marker?.restoring) return { kind: 'restore', into: true };
  if (state === 'data' && marker?.goldenId === goldenId) return { kind: 'reuse', marker };
  if (state === 'data') return { kind: 'keep', why: marker ? `restored from another golden (${marker.goldenId})` : 'it holds this session’s own data' };
  return { kind: 'restore', into: state === 'empty' };
}

export async function targetState(target: string): Promise<TargetState> {
  const entries = await readdir(target).catch(() => undefined);
  if (!entries) return 'absent';
  return entries.length === 0 ? 'empty' : 'data';
}

export function markerPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.restored.json`);
}

export async function readMarker(target: string): Promise<RestoreMarker | undefined> {
  const raw = await readIfExists(markerPath(target));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as RestoreMarker;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** A data-root has dockerd's own top-level directories. */
export async function assertDataRoot(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) throw new HelixError('NOT_FOUND', `golden ${dir} does not exist or cannot be read`);
  if (!entries.includes('image') || !(entries.includes('overlay2') || entries.includes('containerd') || entries.includes('btrfs'))) {
    throw new HelixError('BAD_FILE', `golden ${dir} is not a docker data-root (no image/ and overlay2/)`, 'point HELIX_GOLDEN_DIR at a snapshot of /var/lib/docker');
  }
}

/**
 * The fastest method the filesystems allow, as measured by `helix bench restore` on 100,000 files:
 * a btrfs snapshot is constant-time; on XFS a parallel copy beat one cp -a; on ext4 parallel copies
 * were slower than one cp -a (the cost is per-file metadata work); reflink, where the filesystem has
 * it, saves the data copy of large layer files.
 */
export async function chooseMethod(golden: string, targetParent: string): Promise<RestoreMethod> {
  // No same-device check: every btrfs subvolume has a device number of its own. A snapshot or reflink
  // the kernel refuses (across filesystems or mounts) falls back to a copy in restoreGolden.
  const type = await fsType(targetParent);
  if (type === 'btrfs' && (await isSubvolume(golden))) return 'btrfs-snapshot';
  if (type === 'xfs') return 'parallel-copy';
  const probe = join(targetParent, `.reflink-probe-${process.pid}`);
  const src = join(targetParent, `.reflink-src-${process.pid}`);
  await writeFile(src, 'x');
  const r = await run('cp', ['--reflink=always', src, probe]).catch(() => undefined);
  await rm(probe, { force: true });
  await rm(src, { force: true });
  return r?.exitCode === 0 ? 'reflink' : 'copy';
}

async function pool<T>(items: readonly T[], width: number, f: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await f(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * cp -a of the tree with several copies at once: one per layer directory of overlay2 (where nearly
 * all files are) and one per other top-level entry. Directory metadata is fixed up at the end.
 */
export async function parallelCopy(src: string, dst: string, width = Math.max(4, cpus().length * 2)): Promise<void> {
  await mkdir(dst, { recursive: true });
  const jobs: Array<[string, string]> = [];
  for (const e of await readdir(src, { withFileTypes: true })) {
    if (e.isDirectory() && (e.name === 'overlay2' || e.name === 'vfs')) {
      await mkdir(join(dst, e.name), { recursive: true });
      for (const layer of await readdir(join(src, e.name))) jobs.push([join(src, e.name, layer), join(dst, e.name)]);
    } else {
      jobs.push([join(src, e.name), dst]);
    }
  }
  await pool(jobs, width, async ([from, into]) => {
    await runOk('cp', ['-a', from, into]);
  });
  // Ownership, modes and times of the directories the jobs were split under (cp set their children's).
  for (const d of ['overlay2', 'vfs']) if (await exists(join(src, d))) await copyDirAttributes(join(src, d), join(dst, d));
  await copyDirAttributes(src, dst);
}

async function copyDirAttributes(src: string, dst: string): Promise<void> {
  const s = await stat(src);
  await chown(dst, s.uid, s.gid);
  await chmod(dst, s.mode & 0o7777);
  await utimes(dst, s.atime, s.mtime);
}

export async function copyWith(method: RestoreMethod, golden: string, tmp: string): Promise<void> {
  if (method === 'btrfs-snapshot') await runOk('btrfs', ['subvolume', 'snapshot', golden, tmp]);
  else if (method === 'reflink') await runOk('cp', ['-a', '--reflink=always', '-T', golden, tmp]);
  else if (method === 'copy') await runOk('cp', ['-a', '-T', golden, tmp]);
  else await parallelCopy(golden, tmp);
}

/**
 * Restores into an existing directory (a volume's mount point, which cannot be renamed over): marked
 * as in progress first, emptied (what an interrupted restore left), copied into, marked done.
 */
async function restoreInto(golden: string, goldenId: string, target: string, sizeBytes: number | undefined, forced: RestoreMethod | undefined): Promise<RestoreMarker> {
  const started = Date.now();
  await writeFile(markerPath(target), `${JSON.stringify({ goldenId, method: 'copy', ms: 0, restoredAt: new Date().toISOString(), restoring: true })}\n`);
  for (const e of await readdir(target)) await rm(join(target, e), { recursive: true, force: true });
  // A snapshot makes a new subvolume, never fills a directory: copy, with reflinks where they work.
  let method: RestoreMethod = forced && forced !== 'btrfs-snapshot' ? forced : (await chooseMethod(golden, target)) === 'reflink' ? 'reflink' : 'copy';
  try {
    await copyWith(method, golden, target);
  } catch (err) {
    if (method === 'copy') throw err;
    method = 'copy';
    await copyWith(method, golden, target);
  }
  const marker: RestoreMarker = { goldenId, method, ms: Date.now() - started, bytes: sizeBytes, restoredAt: new Date().toISOString() };
  await writeFile(markerPath(target), `${JSON.stringify(marker)}\n`);
  return marker;
}

/** Restores `golden` to `target` atomically (or into it, `into`); returns the marker written. */
export async function restoreGolden(golden: string, goldenId: string, target: string, sizeBytes?: number, forced?: RestoreMethod, into = false): Promise<RestoreMarker> {
  await assertDataRoot(golden);
  if (into) return restoreInto(golden, goldenId, target, sizeBytes, forced);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.restoring`);
  // What a crash mid-restore left behind (a btrfs snapshot needs its own delete).
  if (await exists(tmp)) {
    await run('btrfs', ['subvolume', 'delete', tmp]).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
  const started = Date.now();
  let method = forced ?? (await chooseMethod(golden, parent));
  try {
    await copyWith(method, golden, tmp);
  } catch (err) {
    // A snapshot or reflink can still be refused (across mounts, say): a plain copy always works.
    if (method === 'copy' || method === 'parallel-copy') throw err;
    await rm(tmp, { recursive: true, force: true });
    method = 'copy';
    await copyWith(method, golden, tmp);
  }
  await rename(tmp, target);
  const marker: RestoreMarker = { goldenId, method, ms: Date.now() - started, bytes: sizeBytes, restoredAt: new Date().toISOString() };
  await writeFile(markerPath(target), `${JSON.stringify(marker)}\n`);
  return marker;
}
