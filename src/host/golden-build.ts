// Golden builds: a golden-mode session started from the project's current golden (incremental), its
// data-root promoted on success. Single-flight per project (a lock directory); triggers during a build
// coalesce into exactly one rerun; the status is durable (build.json), so a restarted host process
// resumes monitoring the same build; one deadline covers the whole build.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIfExists, writeFileAtomic } from '../lib/atomic-write.js';
import { IN_CONTAINER } from '../lib/session-contract.js';
import { containerInfo } from './engine.js';
import type { GoldenStore } from './golden-store.js';
import { loadProjectConfig, type ProjectConfig } from './project-config.js';
import type { SandboxDeps } from './sandbox.js';
import { dataRootOf, finishGoldenSession, removeSession, sessionName, startGoldenSession } from './session.js';

export type BuildStatus = 'idle' | 'building' | 'succeeded' | 'failed' | 'timed-out';

export interface BuildRecord {
  buildId: string;
  status: BuildStatus;
  finishedAt: string;
  generation?: number;
  reason?: string;
}

export interface BuildState {
  status: BuildStatus;
  buildId?: string;
  session?: string;
  startedAt?: string;
  deadline?: string;
  /** A trigger arrived while building: build once more afterwards. */
  rerun: boolean;
  history: BuildRecord[];
}

const IDLE: BuildState = { status: 'idle', rerun: false, history: [] };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class GoldenBuilder {
  constructor(
    private readonly d: SandboxDeps,
    private readonly store: GoldenStore,
  ) {}

  private statePath(p: string): string {
    return join(this.store.projectDir(p), 'build.json');
  }

  private lockDir(p: string): string {
    return join(this.store.projectDir(p), 'build.lock');
  }

  /** The project's settings, or a NOT_FOUND error for a project this host does not know. */
  config(p: string): Promise<ProjectConfig> {
    return loadProjectConfig(this.d.cfg.stateDir, p);
  }

  async state(p: string): Promise<BuildState> {
    const raw = await readIfExists(this.statePath(p));
    return raw ? { ...IDLE, ...(JSON.parse(raw) as BuildState) } : { ...IDLE };
  }

  private async update(p: string, f: (s: BuildState) => BuildState): Promise<BuildState> {
    const next = f(await this.state(p));
    await writeFileAtomic(this.statePath(p), `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  /** mkdir is atomic: exactly one caller gets the lock. A lock whose owner died is taken over. */
  private async lock(p: string): Promise<boolean> {
    await mkdir(this.store.projectDir(p), { recursive: true });
    try {
      await mkdir(this.lockDir(p));
    } catch {
      const owner = Number(await readFile(join(this.lockDir(p), 'pid'), 'utf8').catch(() => '0'));
      if (owner && alive(owner)) return false;
      this.d.log.warn(`golden ${p}: taking over the lock of a host process that is gone (pid ${owner})`);
    }
    await writeFile(join(this.lockDir(p), 'pid'), String(process.pid));
    return true;
  }

  private async unlock(p: string): Promise<void> {
    await rm(this.lockDir(p), { recursive: true, force: true });
  }

  /** Starts a build, or (one is running) asks for one more after it. Returns when this caller's work is done. */
  async trigger(p: string): Promise<'built' | 'queued'> {
    if (!(await this.lock(p))) {
      await this.update(p, (s) => ({ ...s, rerun: true }));
      this.d.log.info(`golden ${p}: a build is running; one more will follow it`);
      return 'queued';
    }
    try {
      // A build left by a host process that died is finished first.
      if ((await this.state(p)).status === 'building') await this.monitor(p);
      do {
        await this.update(p, (s) => ({ ...s, rerun: false }));
        await this.runOnce(p);
      } while ((await this.state(p)).rerun);
    } finally {
      await this.unlock(p);
    }
    // A trigger that raced the unlock would otherwise be lost.
    if ((await this.state(p)).rerun) return this.trigger(p);
    return 'built';
  }

  /** After a host restart: finish monitoring a build that was in flight, then any rerun it owes. */
  async resume(p: string): Promise<void> {
    const s = await this.state(p);
    if (s.status !== 'building' && !s.rerun) return;
    if (!(await this.lock(p))) return;
    try {
      if (s.status === 'building') await this.monitor(p);
    } finally {
      await this.unlock(p);
    }
    if ((await this.state(p)).rerun) await this.trigger(p);
  }

  private async runOnce(p: string): Promise<void> {
    const config = await loadProjectConfig(this.d.cfg.stateDir, p);
    const buildId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const session = `golden-${p}-${buildId}`;
    const current = await this.store.current(p);
    const startedAt = new Date();
    await this.update(p, (s) => ({
      ...s,
      status: 'building',
      buildId,
      session,
      startedAt: startedAt.toISOString(),
      deadline: new Date(startedAt.getTime() + config.timeoutMinutes * 60_000).toISOString(),
    }));
    this.d.log.info(`golden ${p}: build ${buildId} starting${current ? ` from generation ${current.meta.generation}` : ''}`);
    try {
      await startGoldenSession(this.d.engine, this.d.cfg, {
        id: session,
        golden: current ? { dir: current.dir, id: `${p}/gen-${current.meta.generation}` } : undefined,
        binds: [`${config.startupScript}:${IN_CONTAINER.startupScript}:ro`, ...config.binds],
        project: p,
      });
    } catch (err) {
      await this.finish(p, { status: 'failed', reason: (err as Error).message });
      return;
    }
    await this.monitor(p);
  }

  /** Waits for the build's session to end (or its deadline), then promotes or records the failure. */
  private async monitor(p: string): Promise<void> {
    const s = await this.state(p);
    const session = s.session as string;
    const info = await containerInfo(this.d.engine, sessionName(session));
    if (!info) {
      await this.finish(p, { status: 'failed', reason: 'the golden session is gone' });
      return;
    }
    const remaining = new Date(s.deadline as string).getTime() - Date.now();
    const ended = await Promise.race([
      this.d.engine.getContainer(sessionName(session)).wait().then(() => true),
      sleep(Math.max(0, remaining)).then(() => false),
    ]);
    if (!ended) {
      await this.d.engine.getContainer(sessionName(session)).stop({ t: 30 }).catch(() => undefined);
      await this.finish(p, { status: 'timed-out', reason: `no result within the deadline ${s.deadline}` });
      return;
    }
    const run = await finishGoldenSession(this.d.engine, this.d.cfg, session);
    if (run.exitCode !== 0 || !run.result?.cleaned) {
      await this.finish(p, { status: 'failed', reason: `startup script exited ${run.result?.exitCode ?? run.exitCode}` });
      return;
    }
    try {
      const meta = await this.store.promote(p, dataRootOf(this.d.cfg, session), session);
      await this.finish(p, { status: 'succeeded', generation: meta.generation });
    } catch (err) {
      await this.finish(p, { status: 'failed', reason: `promotion failed: ${(err as Error).message}` });
    }
  }

  private async finish(p: string, r: Omit<BuildRecord, 'buildId' | 'finishedAt'>): Promise<void> {
    const s = await this.state(p);
    if (s.session) await removeSession(this.d.engine, this.d.cfg, s.session);
    const record: BuildRecord = { buildId: s.buildId ?? '', finishedAt: new Date().toISOString(), ...r };
    await this.update(p, (x) => ({ ...x, status: r.status, session: undefined, history: [...x.history, record].slice(-20) }));
    this.d.log.info(`golden ${p}: build ${record.buildId} ${r.status}${r.generation ? `, generation ${r.generation} is current` : ''}${r.reason ? ` (${r.reason})` : ''}`);
  }
}
