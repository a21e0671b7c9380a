// Under HELIX_ISOLATION=unprivileged each desktop's root is a uid range of the host no other desktop
// holds, so two desktops are apart by uid as well as by namespaces (per-uid limits and keyrings, any
// file one could reach). Ranges cost nothing on disk: helix-runc idmaps what a desktop sees, so files
// are stored as docker wrote them whatever the range. A desktop keeps its range for its container's
// life (a label on it), so a restart finds its own layer as it left it.
import type Docker from 'dockerode';
import type { Engine } from './engine.js';
import { LAST_USERNS_START, USERNS_SIZE, type HostConfig } from './host-config.js';
import { tryLock } from './file-lock.js';
import { HelixError } from '../lib/errors.js';

export const USERNS_LABEL = 'helix.userns';
/** The annotation helix-runc reads (src/runtime/main.go). */
export const USERNS_ANNOTATION = 'io.helix.userns';

/** The first range from `base` that no taken range overlaps, as `HOSTID:SIZE`. Pure. */
export function freeUsernsRange(base: number, taken: readonly string[]): string {
  const starts = new Set(taken.map((t) => Number(t.split(':')[0])).filter((n) => Number.isInteger(n)));
  for (let host = base; host <= LAST_USERNS_START; host += USERNS_SIZE) {
    if (!starts.has(host)) return `${host}:${USERNS_SIZE}`;
  }
  throw new HelixError('NOT_READY', 'every uid range for unprivileged desktops is taken', 'remove desktops that are gone (helix session rm ID)');
}

/**
 * Creates a desktop container under its own uid range: chosen and created under one lock, so two
 * desktops starting at once never take the same one.
 */
async function createWithUsernsRange(engine: Engine, cfg: HostConfig, options: Record<string, unknown>): Promise<Docker.Container> {
  const lock = await tryLock(`${cfg.stateDir}/locks/userns.lock`, 60_000);
  if (!lock) throw new HelixError('NOT_READY', 'another desktop is taking its uid range', 'try again in a minute');
  try {
    const containers = await engine.listContainers({ all: true, filters: { label: [USERNS_LABEL] } });
    const range = freeUsernsRange(cfg.usernsBase, containers.map((c) => c.Labels[USERNS_LABEL] ?? ''));
    const hostConfig = (options.HostConfig ?? {}) as Record<string, unknown>;
    const ranged: Record<string, unknown> = {
      ...options,
      Labels: { ...(options.Labels as Record<string, string>), [USERNS_LABEL]: range },
      // Engine API 1.43 and later: OCI annotations, which the runtime reads.
      HostConfig: { ...hostConfig, Annotations: { ...(hostConfig.Annotations as Record<string, string>), [USERNS_ANNOTATION]: range } },
    };
    return await engine.createContainer(ranged);
  } finally {
    await lock.release();
  }
}

/** Creates a desktop container as its isolation needs. */
export function createDesktop(engine: Engine, cfg: HostConfig, options: Record<string, unknown>): Promise<Docker.Container> {
  return cfg.isolation === 'unprivileged' ? createWithUsernsRange(engine, cfg, options) : engine.createContainer(options);
}
