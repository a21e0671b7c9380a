// The golden-restore bench: the same synthetic golden (a data-root-shaped tree of many small files) on
// btrfs, XFS (loop devices) and the host's own filesystem, restored by each method init can use, with
// the same code init runs.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { run, runOk } from '../lib/exec.js';
import type { Logger } from '../lib/log.js';
import { chooseMethod, copyWith, type RestoreMethod } from '../init/golden-restore.js';

export interface RestoreBenchOptions {
  workDir: string;
  files: number;
  totalMb: number;
  log: Logger;
}

export interface RestoreRow {
  fs: string;
  method: RestoreMethod;
  ms: number;
  /** The method init picks on this filesystem. */
  chosen: boolean;
}

/** Writes a tree shaped like a data-root: image/, and overlay2/ with layer dirs of small files. */
async function makeGolden(dir: string, files: number, totalMb: number): Promise<void> {
  const perFile = Math.floor((totalMb * 1024 * 1024) / files);
  const block = Buffer.alloc(perFile, 'x');
  const layers = Math.max(1, Math.round(files / 2500));
  await mkdir(join(dir, 'image/overlay2'), { recursive: true });
  await writeFile(join(dir, 'image/overlay2/repositories.json'), '{}');
  for (let l = 0; l < layers; l++) {
    const n = Math.floor(files / layers);
    for (let d = 0; d < Math.ceil(n / 100); d++) {
      const sub = join(dir, 'overlay2', `layer${l}`, 'diff', `d${d}`);
      await mkdir(sub, { recursive: true });
      await Promise.all(Array.from({ length: Math.min(100, n - d * 100) }, (_, f) => writeFile(join(sub, `f${f}`), block)));
    }
  }
}

async function mountLoop(img: string, dir: string, mkfs: string[], sizeGb: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runOk('truncate', ['-s', `${sizeGb}G`, img]);
  await runOk(mkfs[0] as string, [...mkfs.slice(1), img]);
  await runOk('mount', ['-o', 'loop', img, dir]);
}

async function timeIt(f: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function runRestoreBench(o: RestoreBenchOptions): Promise<RestoreRow[]> {
  const rows: RestoreRow[] = [];
  const sizeGb = Math.max(4, Math.ceil((o.totalMb * 3) / 1024) + 2);
  const targets: Array<{ fs: string; dir: string; img?: string; mkfs?: string[] }> = [
    { fs: 'btrfs', dir: join(o.workDir, 'btrfs'), img: join(o.workDir, 'btrfs.img'), mkfs: ['mkfs.btrfs', '-q', '-f'] },
    { fs: 'xfs', dir: join(o.workDir, 'xfs'), img: join(o.workDir, 'xfs.img'), mkfs: ['mkfs.xfs', '-q', '-f', '-m', 'reflink=1'] },
    { fs: 'host', dir: join(o.workDir, 'host') },
  ];
  await mkdir(o.workDir, { recursive: true });
  try {
    for (const t of targets) {
      if (t.img && t.mkfs) await mountLoop(t.img, t.dir, t.mkfs, sizeGb);
      else await mkdir(t.dir, { recursive: true });
      const fsName = t.fs === 'host' ? `host (${(await runOk('stat', ['-f', '-c', '%T', t.dir])).stdout.trim()})` : t.fs;
      const golden = join(t.dir, 'golden');
      if (t.fs === 'btrfs') await runOk('btrfs', ['subvolume', 'create', golden]);
      o.log.info(`restore bench: writing a ${o.totalMb} MB golden of ${o.files} files on ${fsName}`);
      await makeGolden(golden, o.files, o.totalMb);
      await runOk('sync', []);
      const methods: RestoreMethod[] = t.fs === 'btrfs' ? ['btrfs-snapshot', 'reflink', 'copy', 'parallel-copy'] : t.fs === 'xfs' ? ['reflink', 'copy', 'parallel-copy'] : ['copy', 'parallel-copy'];
      const chosen = await chooseMethod(golden, t.dir);
      for (const m of methods) {
        const dst = join(t.dir, `restore-${m}`);
        const ms = await timeIt(() => copyWith(m, golden, dst));
        rows.push({ fs: fsName, method: m, ms, chosen: m === chosen });
        o.log.info(`restore bench: ${fsName} ${m}: ${(ms / 1000).toFixed(2)}s`);
        if (m === 'btrfs-snapshot') await runOk('btrfs', ['subvolume', 'delete', dst]);
        else await rm(dst, { recursive: true, force: true });
      }
    }
  } finally {
    for (const t of targets) {
      if (t.img) {
        await run('umount', [t.dir]).catch(() => undefined);
        await rm(t.img, { force: true });
      }
    }
    await rm(o.workDir, { recursive: true, force: true });
  }
  return rows;
}

export function restoreTargets(rows: readonly RestoreRow[]): Array<{ target: string; value: string; ok: boolean }> {
  const out: Array<{ target: string; value: string; ok: boolean }> = [];
  const snap = rows.find((r) => r.method === 'btrfs-snapshot');
  if (snap) out.push({ target: 'btrfs snapshot ≤0.2 s', value: `${(snap.ms / 1000).toFixed(3)} s`, ok: snap.ms <= 200 });
  const host = rows.filter((r) => r.fs.startsWith('host'));
  const cp = host.find((r) => r.method === 'copy');
  const pick = host.find((r) => r.chosen);
  if (cp && pick) out.push({ target: `${cp.fs}: init's choice (${pick.method}) no slower than cp -a`, value: `${(pick.ms / 1000).toFixed(2)} s vs ${(cp.ms / 1000).toFixed(2)} s`, ok: pick.ms <= cp.ms });
  if (!snap && !cp) throw new HelixError('INTERNAL', 'restore bench measured nothing');
  return out;
}
