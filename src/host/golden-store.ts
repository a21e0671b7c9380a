// The per-project golden store: generations of stopped data-roots, `current` switched atomically, old
// generations evicted by size and recorded last use (directory mtimes, which copies never update,
// are not used).
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, statfs, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { HelixError } from '../lib/errors.js';
import { runOk } from '../lib/exec.js';
import { removeTree } from './subvolume.js';
import { checkId } from './ids.js';

export interface GoldenMeta {
  project: string;
  generation: number;
  createdAt: string;
  lastUsedAt: string;
  sizeBytes: number;
  /** The session whose data-root this was. */
  source: string;
}

export interface EvictionPolicy {
  /** Generations kept besides the current one. */
  keepPrevious: number;
  /** Total bytes of a project's generations above which the least recently used go first. */
  maxBytes: number;
  /** ...and never more than this share of the filesystem the store is on. */
  maxShare?: number;
}

export const DEFAULT_POLICY: EvictionPolicy = { keepPrevious: 1, maxBytes: 200 * 1024 ** 3, maxShare: 0.5 };

/** The byte bound of a policy on a filesystem of `fsBytes`. Pure. */
export function byteBound(p: EvictionPolicy, fsBytes: number): number {
  return p.maxShare === undefined ? p.maxBytes : Math.min(p.maxBytes, Math.floor(fsBytes * p.maxShare));
}

/**
 * Pure: which generations to delete. Never the current one nor one a session still uses (`inUse`);
 * least recently used first.
 */
export function chooseEvictions(gens: readonly GoldenMeta[], current: number | undefined, p: EvictionPolicy, inUse: readonly number[] = []): number[] {
  const others = gens.filter((g) => g.generation !== current && !inUse.includes(g.generation)).sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt) || b.generation - a.generation);
  const evict = new Set(others.slice(p.keepPrevious).map((g) => g.generation));
  let total = gens.filter((g) => !evict.has(g.generation)).reduce((n, g) => n + g.sizeBytes, 0);
  for (const g of [...others].reverse()) {
    if (total <= p.maxBytes) break;
    if (evict.has(g.generation)) continue;
    evict.add(g.generation);
    total -= g.sizeBytes;
  }
  return [...evict].sort((a, b) => a - b);
}

export class GoldenStore {
  constructor(
    readonly root: string,
    readonly policy: EvictionPolicy = DEFAULT_POLICY,
    /** The generations of a project that sessions (running or stopped) still mount. */
    private readonly inUse: (project: string) => Promise<number[]> = async () => [],
  ) {}

  projectDir(project: string): string {
    return join(this.root, checkId('project', project));
  }

  /** The current generation's directory (holding docker/ and golden.json), if there is one. */
  async current(project: string): Promise<{ dir: string; meta: GoldenMeta } | undefined> {
    const link = join(this.projectDir(project), 'current');
    const target = await readlink(link).catch(() => undefined);
    if (!target) return undefined;
    const dir = join(this.projectDir(project), target);
    return { dir, meta: JSON.parse(await readFile(join(dir, 'golden.json'), 'utf8')) as GoldenMeta };
  }

  async generations(project: string): Promise<GoldenMeta[]> {
    const dir = this.projectDir(project);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^gen-\d+$/.test(n));
    const metas = await Promise.all(names.map((n) => readFile(join(dir, n, 'golden.json'), 'utf8').then((t) => JSON.parse(t) as GoldenMeta, () => undefined)));
    return metas.filter((m): m is GoldenMeta => m !== undefined).sort((a, b) => a.generation - b.generation);
  }

  /** Records that a session started from this generation, for eviction by last use. */
  async touch(project: string, generation: number): Promise<void> {
    const file = join(this.projectDir(project), `gen-${generation}`, 'golden.json');
    const meta = JSON.parse(await readFile(file, 'utf8')) as GoldenMeta;
    await writeFileAtomic(file, `${JSON.stringify({ ...meta, lastUsedAt: new Date().toISOString() })}\n`);
  }

  /**
   * Makes a stopped session's data-root the project's new current golden. The data-root is moved
   * (same filesystem) into a temporary generation, which is renamed into place before `current` is
   * switched: a failure at any point leaves the previous golden current and whole.
   */
  async promote(project: string, dataRoot: string, source: string, hooks: { afterMove?: () => Promise<void>; beforeSwitch?: () => Promise<void> } = {}): Promise<GoldenMeta> {
    const dir = this.projectDir(project);
    await mkdir(dir, { recursive: true });
    const gens = await this.generations(project);
    const generation = (gens.at(-1)?.generation ?? 0) + 1;
    await this.sweep(project);
    const tmp = join(dir, `gen-${generation}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const final = join(dir, `gen-${generation}`);
    await mkdir(tmp);
    try {
      // A session may have turned its data-root into a link to anything on the host: only a real directory moves.
      const st = await lstat(dataRoot).catch(() => undefined);
      if (!st?.isDirectory()) throw new HelixError('BAD_FILE', `${dataRoot} is not a directory (a symlink is never followed)`, 'promote the data-root of a stopped golden-mode session');
      const entries = await readdir(dataRoot).catch(() => undefined);
      if (!entries?.includes('image')) throw new HelixError('BAD_FILE', `${dataRoot} is not a docker data-root`, 'promote the data-root of a stopped golden-mode session');
      const sizeBytes = Number((await runOk('du', ['-sb', dataRoot])).stdout.split('\t')[0]);
      await rename(dataRoot, join(tmp, 'docker')).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV') throw err;
        throw new HelixError('BAD_FILE', `${dataRoot} is on another filesystem than the golden store ${this.root}`, 'keep session data-roots and goldens under one state dir');
      });
      await hooks.afterMove?.();
      const now = new Date().toISOString();
      const meta: GoldenMeta = { project, generation, createdAt: now, lastUsedAt: now, sizeBytes, source };
      await writeFile(join(tmp, 'golden.json'), `${JSON.stringify(meta)}\n`);
      await rename(tmp, final);
      // The new generation is on disk before `current` names it: a crash after the switch finds it whole.
      await runOk('sync', ['--file-system', final]);
      await hooks.beforeSwitch?.();
      const link = join(dir, `.current.${process.pid}`);
      await rm(link, { force: true });
      await symlink(`gen-${generation}`, link);
      await rename(link, join(dir, 'current'));
      await this.evict(project);
      return meta;
    } catch (err) {
      // The new generation never became current: remove it, keep the previous one.
      await removeTree(tmp, [join(tmp, 'docker')]);
      if ((await this.current(project))?.meta.generation !== generation) await removeTree(final, [join(final, 'docker')]);
      throw err;
    }
  }

  /** Removes what a promotion whose host process died left (callers hold the project's build lock). */
  async sweep(project: string): Promise<void> {
    const dir = this.projectDir(project);
    for (const left of (await readdir(dir).catch(() => [] as string[])).filter((n) => /^gen-\d+\.tmp-/.test(n))) {
      await removeTree(join(dir, left), [join(dir, left, 'docker')]);
    }
  }

  /** Removes every generation of the project and its build state (a fresh start). */
  async clear(project: string): Promise<void> {
    const dir = this.projectDir(project);
    for (const g of await this.generations(project)) await removeTree(join(dir, `gen-${g.generation}`), [join(dir, `gen-${g.generation}`, 'docker')]);
    await rm(dir, { recursive: true, force: true });
  }

  async evict(project: string): Promise<number[]> {
    const current = (await this.current(project))?.meta.generation;
    const fs = await statfs(this.root);
    const policy = { ...this.policy, maxBytes: byteBound(this.policy, fs.blocks * fs.bsize), maxShare: undefined };
    const doomed = chooseEvictions(await this.generations(project), current, policy, await this.inUse(project));
    for (const g of doomed) {
      const dir = join(this.projectDir(project), `gen-${g}`);
      await removeTree(dir, [join(dir, 'docker')]);
    }
    return doomed;
  }
}
