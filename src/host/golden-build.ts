// Golden builds: a golden-mode session started from the project's current golden (incremental), its
// data-root promoted on success. Single-flight per project (a kernel lock, file-lock.ts); triggers
// during a build coalesce into exactly one rerun (a request file every trigger writes and the lock
// holder consumes); the status is durable (build.json), so a restarted host process resumes the same
// build, judged by how its container ended, not by when the host came back; one deadline covers it.
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIfExists, writeFileAtomic } from '../lib/atomic-write.js';
import { IN_CONTAINER } from '../lib/session-contract.js';
import { containerInfo } from './engine.js';
import { tryLock, type HeldLock } from './file-lock.js';
import type { GoldenStore } from './golden-store.js';
import { loadProjectConfig, type ProjectConfig } from './project-config.js';
import type { SandboxDeps } from './sandbox.js';
import { dataRootOf, finishGoldenSession, goldenResultOf, removeSession, sessionName, startGoldenSession, type GoldenRun } from './session.js';

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

/** The steps of a build the faults suite stops a host process at (HELIX_TEST_PAUSE_AT). */
export type BuildStep = 'before-session' | 'after-remove' | 'mid-promotion';

/**
 * For the faults suite only: a host process told to stop at this step writes the step to
 * HELIX_TEST_PAUSE_MARKER and stops itself (SIGSTOP); the test then kills it or lets it go on (SIGCONT).
 */
async function pauseAt(step: BuildStep): Promise<void> {
  if (process.env.HELIX_TEST_PAUSE_AT !== step) return;
  if (process.env.HELIX_TEST_PAUSE_MARKER) await writeFile(process.env.HELIX_TEST_PAUSE_MARKER, step);
  process.kill(process.pid, 'SIGSTOP');
}

export class GoldenBuilder {
  constructor(
    private readonly d: SandboxDeps,
    private readonly store: GoldenStore,
  ) {}

  private statePath(p: string): string {
    return join(this.store.projectDir(p), 'build.json');
  }

  private lockPath(p: string): string {
    return join(this.store.projectDir(p), 'build.lock');
  }

  /** Exists while a build has been asked for and not yet started. */
  private requestPath(p: string): string {
    return join(this.store.projectDir(p), 'build.requested');
  }

  /** The project's settings, or a NOT_FOUND error for a project this host does not know. */
  config(p: string): Promise<ProjectConfig> {
    return loadProjectConfig(this.d.cfg.stateDir, p);
  }

  async state(p: string): Promise<BuildState> {
    const raw = await readIfExists(this.statePath(p));
    const s = raw ? { ...IDLE, ...(JSON.parse(raw) as BuildState) } : { ...IDLE };
    return { ...s, rerun: await this.requested(p) };
  }

  private requested(p: string): Promise<boolean> {
    return stat(this.requestPath(p)).then(() => true, () => false);
  }

  /** Consumes the build request: only once the build it starts is on disk, so a crash loses neither. */
  private async takeRequest(p: string): Promise<void> {
    await rm(this.requestPath(p), { force: true });
  }

  private async update(p: string, f: (s: BuildState) => BuildState): Promise<BuildState> {
    const next = f(await this.state(p));
    await writeFileAtomic(this.statePath(p), `${JSON.stringify(next, null, 2)}\n`);
    return next;
  }

  /** With the lock held: finish a build a dead host process left, then build while builds are asked for. */
  private async work(p: string, lock: HeldLock): Promise<void> {
    try {
      if ((await this.state(p)).status === 'building') await this.monitor(p);
      await this.store.sweep(p);
      while (await this.requested(p)) await this.runOnce(p);
    } finally {
      await lock.release();
    }
  }

  /**
   * Records that a build of the project is asked for, on disk: a host process killed after this (serve
   * answers 202 only then) leaves the request for the next one (`resume`, and serve at its start).
   */
  async request(p: string): Promise<void> {
    await this.config(p);
    await mkdir(this.store.projectDir(p), { recursive: true });
    const f = await open(this.requestPath(p), 'w');
    try {
      await f.sync();
    } finally {
      await f.close();
    }
  }

  /**
   * Asks for a build and runs it if no other caller is building the project; otherwise the running one
   * builds once more afterwards. The request is written before the lock is tried, so a request that
   * races the holder's release is seen by the holder or by its own lock attempt, never lost.
   */
  async trigger(p: string): Promise<'built' | 'queued'> {
    await this.request(p);
    const lock = await tryLock(this.lockPath(p));
    if (!lock) {
      this.d.log.info(`golden ${p}: a build is running; one more will follow it`);
      return 'queued';
    }
    await this.work(p, lock);
    if (await this.requested(p)) await this.trigger(p);
    return 'built';
  }

  /** After a host restart: finish the build that was in flight, then any build still asked for. */
  async resume(p: string): Promise<void> {
    if ((await this.state(p)).status !== 'building' && !(await this.requested(p))) return;
    // A host process killed a moment ago may hold the lock for a few more milliseconds.
    const lock = await tryLock(this.lockPath(p), 2000);
    if (lock) await this.work(p, lock);
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
    await this.takeRequest(p);
    this.d.log.info(`golden ${p}: build ${buildId} starting${current ? ` from generation ${current.meta.generation}` : ''}`);
    await pauseAt('before-session');
    try {
      await startGoldenSession(this.d.engine, this.d.cfg, {
        id: session,
        golden: current ? { dir: current.dir, id: `${p}/gen-${current.meta.generation}` } : undefined,
        binds: [`${config.startupScript}:${IN_CONTAINER.startupScript}:ro`, ...config.binds],
        project: p,
        image: config.image,
      });
    } catch (err) {
      await this.finish(p, { status: 'failed', reason: (err as Error).message });
      return;
    }
    await this.monitor(p);
  }

  /**
   * Waits for the build's session to end (or its deadline), then promotes or records the failure. A
   * build is judged by its container's own finish time: a host that comes back after the deadline
   * still promotes a build that finished in time, and one whose container was already removed (the
   * host died just after) by the result the session left.
   */
  private async monitor(p: string): Promise<void> {
    const s = await this.state(p);
    const session = s.session as string;
    const deadline = new Date(s.deadline as string).getTime();
    const info = await containerInfo(this.d.engine, sessionName(session));
    if (!info) {
      const result = await goldenResultOf(this.d.cfg, session);
      if (!result) {
        // A host process that died between taking the request and starting the session: built again.
        await writeFile(this.requestPath(p), '');
        return this.finish(p, { status: 'failed', reason: 'the golden session is gone (the host process ended before it did); asked for again' });
      }
      return this.judge(p, session, { exitCode: result.exitCode, result, logs: '' });
    }
    if (info.State.Running) {
      const ended = await Promise.race([
        this.d.engine.getContainer(sessionName(session)).wait().then(() => true),
        sleep(Math.max(0, deadline - Date.now())).then(() => false),
      ]);
      if (!ended) {
        await this.d.engine.getContainer(sessionName(session)).stop({ t: 30 }).catch(() => undefined);
        return this.finish(p, { status: 'timed-out', reason: `no result within the deadline ${s.deadline}` });
      }
    } else if (Date.parse(info.State.FinishedAt) > deadline) {
      return this.finish(p, { status: 'timed-out', reason: `its session ended at ${info.State.FinishedAt}, after the deadline ${s.deadline}` });
    }
    const run = await finishGoldenSession(this.d.engine, this.d.cfg, session);
    await pauseAt('after-remove');
    await this.judge(p, session, run);
  }

  /** A golden session that ended: its data-root becomes the new generation if its script succeeded. */
  private async judge(p: string, session: string, run: GoldenRun): Promise<void> {
    if (run.exitCode !== 0 || !run.result?.cleaned) {
      return this.finish(p, { status: 'failed', reason: `startup script exited ${run.result?.exitCode ?? run.exitCode}` });
    }
    try {
      const meta = await this.store.promote(p, dataRootOf(this.d.cfg, session), session, { afterMove: () => pauseAt('mid-promotion') });
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
