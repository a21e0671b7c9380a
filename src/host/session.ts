// Desktop sessions: one container each, running its own dockerd on a per-session host directory
// (a data-root must not sit on overlayfs), wired to the sandbox's shared BuildKit and registry.
import { appendFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { readIfExists } from '../lib/atomic-write.js';
import { DEFAULTS } from '../lib/config.js';
import { HelixError } from '../lib/errors.js';
import { containerInfo, demuxBuffer, engineError, execIn, statusOf, type Engine, type ExecResult } from './engine.js';
import { buildkitAddress, registryAddress, type HostConfig } from './host-config.js';
import { dindPrivileges } from './privileges.js';
import { waitFor } from './sandbox.js';
import { createDataRoot, removeTree } from './subvolume.js';

export interface SessionSpec {
  id: string;
  /** Extra bind mounts, host:container[:ro]. */
  binds?: string[];
  env?: Record<string, string>;
  /** A golden data-root on the host (a directory holding docker/), restored by helix-init at boot. */
  golden?: { dir: string; id: string };
  /** Another desktop image than the configured one. */
  image?: string;
}

/** Where a session's host directory appears inside it; the data-root is its docker/ subdirectory. */
export const SESSION_DATA_MOUNT = '/var/lib/helix-data';
const GOLDEN_MOUNT = '/var/lib/helix-golden';

const ID = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function sessionName(id: string): string {
  return `helix-session-${id}`;
}

export function sessionDirOf(cfg: HostConfig, id: string): string {
  return `${cfg.stateDir}/sessions/${id}`;
}

/** Written by helix-init when the session has booted (HELIX_READY_FILE), removed when it boots again. */
function readyFileOf(cfg: HostConfig, id: string): string {
  return `${sessionDirOf(cfg, id)}/ready`;
}

export function dataRootOf(cfg: HostConfig, id: string): string {
  return `${sessionDirOf(cfg, id)}/docker`;
}

/** The session container's create options. Pure but for the privilege mode passed in. */
export function sessionCreateOptions(cfg: HostConfig, spec: SessionSpec, procStatus: string): Record<string, unknown> {
  const priv = dindPrivileges(cfg.privileges, procStatus);
  const env = {
    HELIX_REGISTRY: registryAddress(cfg),
    BUILDKIT_HOST: buildkitAddress(cfg),
    // Set on the container too, so `docker exec` shells (which skip /etc/environment) route builds.
    BUILDX_BUILDER: DEFAULTS.builderName,
    BUILDX_CONFIG: `${DEFAULTS.stateDir}/buildx`,
    // The data-root's parent is the host mount, so a golden restore can rename into place atomically.
    HELIX_DATA_ROOT: `${SESSION_DATA_MOUNT}/docker`,
    // Build events land in the session's host directory, where `helix stats` reads them.
    HELIX_EVENTS_FILE: `${SESSION_DATA_MOUNT}/events.jsonl`,
    // Boot completion, seen by the host on its own disk: no exec into the container to poll it.
    HELIX_READY_FILE: `${SESSION_DATA_MOUNT}/ready`,
    // Where the registry mirrors docker.io for BuildKit, the session's own dockerd pulls through it too.
    ...(cfg.mirrorImages.length ? { HELIX_DAEMON_JSON: JSON.stringify({ 'registry-mirrors': [`http://${registryAddress(cfg)}`] }) } : {}),
    ...(spec.golden ? { HELIX_GOLDEN_DIR: `${GOLDEN_MOUNT}/docker`, HELIX_GOLDEN_ID: spec.golden.id } : {}),
    ...spec.env,
  };
  const golden = spec.golden ? [`${spec.golden.dir}:${GOLDEN_MOUNT}:ro`] : [];
  return {
    name: sessionName(spec.id),
    Image: spec.image ?? cfg.desktopImage,
    Hostname: spec.id,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { 'helix.managed': 'true', 'helix.role': 'session', 'helix.session': spec.id },
    HostConfig: {
      NetworkMode: cfg.network,
      Binds: [`${sessionDirOf(cfg, spec.id)}:${SESSION_DATA_MOUNT}`, ...golden, ...priv.binds, ...(spec.binds ?? [])],
      ...priv.hostConfig,
    },
  };
}

async function createAndStart(engine: Engine, cfg: HostConfig, spec: SessionSpec): Promise<void> {
  if (!ID.test(spec.id)) throw new HelixError('BAD_FLAG', `invalid session id ${JSON.stringify(spec.id)}: use lowercase letters, digits, '.', '_' and '-'`);
  if (await containerInfo(engine, sessionName(spec.id))) throw new HelixError('CONFLICT', `session ${spec.id} already exists (container ${sessionName(spec.id)})`, 'remove it first');
  await mkdir(sessionDirOf(cfg, spec.id), { recursive: true });
  await rm(readyFileOf(cfg, spec.id), { force: true });
  // A session restored from a golden gets its data-root from the restore (a snapshot there).
  if (!spec.golden) await createDataRoot(dataRootOf(cfg, spec.id), sessionDirOf(cfg, spec.id));
  const procStatus = await readFile('/proc/self/status', 'utf8');
  try {
    const c = await engine.createContainer(sessionCreateOptions(cfg, spec, procStatus));
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
  return createAndStart(engine, cfg, { ...spec, env: { ...spec.env, HELIX_GOLDEN_BUILD: 'true' } });
}

/** Waits for a golden-mode session's container to exit, and collects how it ended. */
export async function finishGoldenSession(engine: Engine, cfg: HostConfig, id: string): Promise<GoldenRun> {
  const c = engine.getContainer(sessionName(id));
  const { StatusCode } = (await c.wait()) as { StatusCode: number };
  const logs = demuxBuffer(await c.logs({ stdout: true, stderr: true }));
  const raw = await readIfExists(`${sessionDirOf(cfg, id)}/helix-golden-result.json`);
  await c.remove({ force: true, v: true });
  return { exitCode: StatusCode, result: raw ? JSON.parse(raw) : undefined, logs };
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
      return stat(readyFileOf(cfg, spec.id)).then(() => true, () => false);
    }, 120_000, 100);
  } catch (err) {
    await removeSession(engine, cfg, spec.id);
    throw err;
  }
}

/** Runs a script in the session through a login shell, as a user at the desktop would. */
export function execInSession(engine: Engine, id: string, script: string, onStderr?: (s: string) => void): Promise<ExecResult> {
  return execIn(engine, sessionName(id), ['bash', '-lc', script], { onStderr });
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
  if (await containerInfo(engine, name)) {
    await engine.getContainer(name).stop({ t: 30 }).catch(() => undefined);
    await engine.getContainer(name).remove({ force: true, v: true });
  }
  await archiveEvents(cfg, id);
  await removeTree(sessionDirOf(cfg, id), [dataRootOf(cfg, id)]);
}

/** Keeps a removed session's build events for `helix stats`. */
async function archiveEvents(cfg: HostConfig, id: string): Promise<void> {
  const events = await readIfExists(`${sessionDirOf(cfg, id)}/events.jsonl`);
  if (!events) return;
  await mkdir(`${cfg.stateDir}/events`, { recursive: true });
  await appendFile(`${cfg.stateDir}/events/${id}.jsonl`, events);
}
