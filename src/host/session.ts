// Desktop sessions: one container each, running its own dockerd on a per-session host directory
// (a data-root must not sit on overlayfs), wired to the sandbox's shared BuildKit and registry.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { HelixError } from '../lib/errors.js';
import { containerInfo, demuxBuffer, engineError, execIn, type Engine, type ExecResult } from './engine.js';
import { buildkitAddress, registryAddress, type HostConfig } from './host-config.js';
import { choosePrivilegeMode, privilegedBinds, privilegedHostConfig } from './privileges.js';
import { waitFor } from './sandbox.js';

export interface SessionSpec {
  id: string;
  /** Extra bind mounts, host:container[:ro]. */
  binds?: string[];
  env?: Record<string, string>;
}

const ID = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function sessionName(id: string): string {
  return `helix-session-${id}`;
}

export function dataRootOf(cfg: HostConfig, id: string): string {
  return `${cfg.stateDir}/sessions/${id}/docker`;
}

/** The session container's create options. Pure but for the privilege mode passed in. */
export function sessionCreateOptions(cfg: HostConfig, spec: SessionSpec, procStatus: string): Record<string, unknown> {
  const mode = choosePrivilegeMode(cfg.privileges, procStatus);
  const env = {
    HELIX_REGISTRY: registryAddress(cfg),
    BUILDKIT_HOST: buildkitAddress(cfg),
    // Set on the container too, so `docker exec` shells (which skip /etc/environment) route builds.
    BUILDX_BUILDER: 'helix-shared',
    ...spec.env,
  };
  return {
    name: sessionName(spec.id),
    Image: cfg.desktopImage,
    Hostname: spec.id,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { 'helix.managed': 'true', 'helix.role': 'session', 'helix.session': spec.id },
    HostConfig: {
      NetworkMode: cfg.network,
      Binds: [`${dataRootOf(cfg, spec.id)}:/var/lib/docker`, ...privilegedBinds(mode), ...(spec.binds ?? [])],
      ...privilegedHostConfig(mode, procStatus),
    },
  };
}

export async function startSession(engine: Engine, cfg: HostConfig, spec: SessionSpec): Promise<void> {
  if (!ID.test(spec.id)) throw new HelixError('BAD_FLAG', `invalid session id ${JSON.stringify(spec.id)}: use lowercase letters, digits, '.', '_' and '-'`);
  const name = sessionName(spec.id);
  if (await containerInfo(engine, name)) throw new HelixError('CONFLICT', `session ${spec.id} already exists (container ${name})`, 'remove it first');
  await mkdir(dataRootOf(cfg, spec.id), { recursive: true });
  const procStatus = await readFile('/proc/self/status', 'utf8');
  try {
    const c = await engine.createContainer(sessionCreateOptions(cfg, spec, procStatus));
    await c.start();
  } catch (err) {
    await removeSession(engine, cfg, spec.id);
    throw engineError(`starting session ${spec.id}`, err);
  }
  try {
    await waitFor(`session ${spec.id}`, async () => {
      const info = await containerInfo(engine, name);
      if (!info?.State.Running) {
        const logs = demuxBuffer(await engine.getContainer(name).logs({ stdout: true, stderr: true, tail: 3 }));
        throw new HelixError('NOT_READY', `session ${spec.id} exited during boot: ${logs.trim().split('\n').join(' | ')}`);
      }
      return (await execIn(engine, name, ['test', '-f', '/run/helix/ready'])).exitCode === 0;
    }, 120_000);
  } catch (err) {
    await removeSession(engine, cfg, spec.id);
    throw err;
  }
}

/** Runs a script in the session through a login shell, as a user at the desktop would. */
export function execInSession(engine: Engine, id: string, script: string, onStderr?: (s: string) => void): Promise<ExecResult> {
  return execIn(engine, sessionName(id), ['bash', '-lc', script], { onStderr });
}

/** Stops the session cleanly (its dockerd is stopped by helix-init), removes it and its data-root. */
export async function removeSession(engine: Engine, cfg: HostConfig, id: string): Promise<void> {
  const name = sessionName(id);
  if (await containerInfo(engine, name)) {
    await engine.getContainer(name).stop({ t: 30 }).catch(() => undefined);
    await engine.getContainer(name).remove({ force: true });
  }
  await rm(`${cfg.stateDir}/sessions/${id}`, { recursive: true, force: true });
}
