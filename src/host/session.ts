// Desktop sessions: one container each, running its own dockerd on a per-session host directory
// (a data-root must not sit on overlayfs), wired to the sandbox's shared BuildKit and registry.
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { HelixError } from '../lib/errors.js';
import { DATA_FILES, IN_CONTAINER } from '../lib/session-contract.js';
import { containerInfo, demuxBuffer, engineError, execIn, statusOf, type Engine, type ExecResult } from './engine.js';
import type { HostConfig } from './host-config.js';
import { desktopContainerSpec } from './desktop-container.js';
import { checkId } from './ids.js';
import { waitFor, type SandboxDeps } from './sandbox.js';
import { stopIdleBuilders, withProjectBuilder } from './project-builder.js';
import { PROJECT_LABEL } from './tenancy.js';
import { createLogger, type Logger } from '../lib/log.js';
import { createDataRoot, removeTree } from './subvolume.js';
import { credentialsBind, identityEnv, issueIdentity, ownProject, revokeIdentity } from './desktop-identity.js';
import { appendSessionFile, readSessionFile } from './session-files.js';
import { createDesktop } from './userns-range.js';

export interface SessionSpec {
  id: string;
  /** The project whose namespace the session's transfers use. */
  project?: string;
  /** Extra bind mounts, host:container[:ro]. */
  binds?: string[];
  /** Extra variables, beyond the session contract's. */
  env?: Record<string, string>;
  /** A golden data-root on the host (a directory holding docker/), restored by helix-init at boot. */
  golden?: { dir: string; id: string };
  /** Golden mode: the session runs the startup script and exits with its code. */
  goldenMode?: boolean;
  /** Another desktop image than the configured one. */
  image?: string;
}

const logs = new Map<string, Logger>();

/** The host side's dependencies, for what sessions start and stop beside them (a project's builder). */
function hostDeps(engine: Engine, cfg: HostConfig): SandboxDeps {
  const file = `${cfg.stateDir}/log/host.log`;
  const log = logs.get(file) ?? createLogger({ name: 'helix', file, human: false });
  logs.set(file, log);
  return { engine, cfg, log };
}

export function sessionName(id: string): string {
  return `helix-session-${checkId('session', id)}`;
}

/** The session's host directory, mounted at IN_CONTAINER.dataMount. */
export function sessionDirOf(cfg: HostConfig, id: string): string {
  return `${cfg.stateDir}/sessions/${checkId('session', id)}`;
}

/** A file of the session's data mount, on the host. */
export function sessionFile(cfg: HostConfig, id: string, file: keyof typeof DATA_FILES): string {
  return `${sessionDirOf(cfg, id)}/${DATA_FILES[file]}`;
}

/** The project a session builds for; one started without gets its own. */
function sessionProject(spec: SessionSpec): string {
  return spec.project ?? ownProject(spec.id);
}

export function dataRootOf(cfg: HostConfig, id: string): string {
  return sessionFile(cfg, id, 'dataRoot');
}

/** The session container's create options. Pure but for the privilege mode passed in. */
export function sessionCreateOptions(cfg: HostConfig, spec: SessionSpec, procStatus: string): Record<string, unknown> {
  const env = identityEnv(cfg, { project: sessionProject(spec), dataMount: true, goldenId: spec.golden?.id, goldenMode: spec.goldenMode });
  const golden = spec.golden ? [`${spec.golden.dir}:${IN_CONTAINER.goldenMount}:ro`] : [];
  return desktopContainerSpec(
    cfg,
    {
      name: sessionName(spec.id),
      hostname: spec.id,
      image: spec.image,
      network: cfg.network,
      env: { ...env, ...spec.env },
      labels: { 'helix.role': 'session', 'helix.session': spec.id, [PROJECT_LABEL]: sessionProject(spec) },
      binds: [
        `${sessionDirOf(cfg, spec.id)}:${IN_CONTAINER.dataMount}`,
        credentialsBind(cfg, spec.id),
        ...golden,
        ...(spec.binds ?? []),
      ],
    },
    procStatus,
  );
}

async function createAndStart(engine: Engine, cfg: HostConfig, spec: SessionSpec): Promise<void> {
  checkId('session', spec.id);
  if (spec.project !== undefined) checkId('project', spec.project);
  if (await containerInfo(engine, sessionName(spec.id))) throw new HelixError('CONFLICT', `session ${spec.id} already exists (container ${sessionName(spec.id)})`, 'remove it first');
  await mkdir(sessionDirOf(cfg, spec.id), { recursive: true });
  await rm(sessionFile(cfg, spec.id, 'ready'), { force: true });
  // Every user of the session appends build events here; the directory itself stays root's.
  const events = await open(sessionFile(cfg, spec.id, 'events'), 'a');
  await events.chmod(0o666);
  await events.close();
  // A session restored from a golden gets its data-root from the restore (a snapshot there).
  if (!spec.golden) await createDataRoot(dataRootOf(cfg, spec.id), sessionDirOf(cfg, spec.id));
  const procStatus = await readFile('/proc/self/status', 'utf8');
  try {
    // A golden build lives no longer than its timeout; a day is the shortest a certificate is issued for.
    const project = sessionProject(spec);
    await withProjectBuilder(hostDeps(engine, cfg), project, () => issueIdentity(cfg, { id: spec.id, project, days: spec.goldenMode ? 1 : cfg.credentialDays }));
    const c = await createDesktop(engine, cfg, sessionCreateOptions(cfg, spec, procStatus));
    await c.start();
  } catch (err) {
    await removeSession(engine, cfg, spec.id);
    throw engineError(`starting session ${spec.id}`, err);
  }
}

export interface GoldenRun {
  exitCode: number;
  /** What helix-init wrote when the startup script ended (absent if it never got there). */
  result?: { exitCode: number; ms: number; cleaned: boolean };
  logs: string;
}

/** Starts a golden-mode session: it runs the startup script and exits with its code. */
export function startGoldenSession(engine: Engine, cfg: HostConfig, spec: SessionSpec): Promise<void> {
  return createAndStart(engine, cfg, { ...spec, goldenMode: true });
}

/** What helix-init wrote when the golden session's startup script ended, if it got there. */
export async function goldenResultOf(cfg: HostConfig, id: string): Promise<GoldenRun['result']> {
  try {
    const raw = await readSessionFile(sessionFile(cfg, id, 'goldenResult'), 64 * 1024);
    const r = raw ? (JSON.parse(raw) as GoldenRun['result']) : undefined;
    return r && typeof r.exitCode === 'number' && typeof r.cleaned === 'boolean' ? r : undefined;
  } catch {
    // A result that is a link, not a file, too large or not JSON is no result.
    return undefined;
  }
}

/** Waits for a golden-mode session's container to exit, and collects how it ended. */
export async function finishGoldenSession(engine: Engine, cfg: HostConfig, id: string): Promise<GoldenRun> {
  const c = engine.getContainer(sessionName(id));
  const { StatusCode } = (await c.wait()) as { StatusCode: number };
  const logs = demuxBuffer(await c.logs({ stdout: true, stderr: true }));
  const result = await goldenResultOf(cfg, id);
  const project = (await c.inspect()).Config.Labels?.[PROJECT_LABEL];
  await c.remove({ force: true, v: true });
  await revokeIdentity(cfg, id);
  if (project) await stopIdleBuilders(hostDeps(engine, cfg), project);
  return { exitCode: StatusCode, result, logs };
}

/** Runs a golden-mode session to its end. */
export async function runGoldenSession(engine: Engine, cfg: HostConfig, spec: SessionSpec): Promise<GoldenRun> {
  await startGoldenSession(engine, cfg, spec);
  return finishGoldenSession(engine, cfg, spec.id);
}

export async function startSession(engine: Engine, cfg: HostConfig, spec: SessionSpec): Promise<void> {
  const name = sessionName(spec.id);
  await createAndStart(engine, cfg, spec);
  try {
    await waitFor(`session ${spec.id}`, async () => {
      const info = await containerInfo(engine, name);
      if (!info?.State.Running) {
        const logs = demuxBuffer(await engine.getContainer(name).logs({ stdout: true, stderr: true, tail: 3 }));
        throw new HelixError('NOT_READY', `session ${spec.id} exited during boot: ${logs.trim().split('\n').join(' | ')}`);
      }
      return stat(sessionFile(cfg, spec.id, 'ready')).then(() => true, () => false);
    }, 120_000, 100);
  } catch (err) {
    await removeSession(engine, cfg, spec.id);
    throw err;
  }
}

/** Runs a script in the session through a login shell, as a user at the desktop would. */
export function execInSession(engine: Engine, id: string, script: string, onStderr?: (s: string) => void): Promise<ExecResult> {
  return execIn(engine, sessionName(id), ['bash', '-lc', script], { onStderr }).catch((err: unknown) => {
    if (statusOf(err) === 404) throw new HelixError('NOT_FOUND', `unknown session ${id}`);
    if (statusOf(err) === 409) throw new HelixError('NOT_READY', `session ${id} is not running`, `helix session start ${id}`);
    throw err;
  });
}

/** The generations under a project's golden directory that sessions, running or stopped, still mount. */
export async function mountedGenerations(engine: Engine, projectDir: string): Promise<number[]> {
  const prefix = `${projectDir}/gen-`;
  const containers = await engine.listContainers({ all: true, filters: { label: ['helix.role=session'] } });
  const gens = containers
    .flatMap((c) => (c.Mounts ?? []).map((m) => m.Source ?? ''))
    .filter((src) => src.startsWith(prefix) && /^\d+$/.test(src.slice(prefix.length)))
    .map((src) => Number(src.slice(prefix.length)));
  return [...new Set(gens)];
}

/** Stops the session cleanly (helix-init stops its dockerd); its container and data stay for a restart. */
export async function stopSession(engine: Engine, id: string): Promise<void> {
  if (!(await containerInfo(engine, sessionName(id)))) throw new HelixError('NOT_FOUND', `unknown session ${id}`);
  await engine.getContainer(sessionName(id)).stop({ t: 30 }).catch((err: unknown) => {
    // 304: already stopped.
    if (statusOf(err) !== 304) throw engineError(`stopping session ${id}`, err);
  });
}

/** Stops the session cleanly (its dockerd is stopped by helix-init), removes it and its data-root. */
export async function removeSession(engine: Engine, cfg: HostConfig, id: string): Promise<void> {
  const name = sessionName(id);
  const info = await containerInfo(engine, name);
  if (info) {
    await engine.getContainer(name).stop({ t: 30 }).catch(() => undefined);
    await engine.getContainer(name).remove({ force: true, v: true });
  }
  await revokeIdentity(cfg, id);
  const project = info?.Config.Labels?.[PROJECT_LABEL];
  if (project) await stopIdleBuilders(hostDeps(engine, cfg), project);
  await archiveEvents(cfg, id);
  await removeTree(sessionDirOf(cfg, id), [dataRootOf(cfg, id)]);
}

/** The most of a session's event log the host keeps: a session cannot fill the host's disk through it. */
const EVENTS_CAP = 16 * 1024 * 1024;

/** Keeps a removed session's build events for `helix stats` (a log that is not a plain file is dropped). */
async function archiveEvents(cfg: HostConfig, id: string): Promise<void> {
  await appendSessionFile(sessionFile(cfg, id, 'events'), `${cfg.stateDir}/events/${id}.jsonl`, EVENTS_CAP).catch(() => 0);
}
