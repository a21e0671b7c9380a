// One JSON line per build in the event log, for later statistics. Best effort: a build never fails
// because its event could not be written.
import { appendFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { SmartBuild } from '../plan/plan.js';
import type { SmartResult } from '../land/image-lander.js';

export interface BuildEvent {
  time: string;
  host: string;
  project: string;
  tags: string[];
  /** The compose service, for builds a compose command made. */
  service?: string;
  /** skip | tag | facade | registry | tarball | local | failed */
  path: string;
  ms: number;
  bytes?: number;
  /** How long the pull of those bytes took, of `ms`. */
  moveMs?: number;
  /** Of `moveMs`, until the last layer was downloaded. */
  downloadMs?: number;
  /** The image's id in the daemon. */
  digest?: string;
  /** The manifest the shared builder exported: what the facade or the registry served, by digest. */
  manifest?: string;
  /** The name the image is kept under in BuildKit's store (the facade path): the host releases it when unused. */
  kept?: string;
  /** registry/repo@digest the build pushed: the host's registry garbage collection keeps it while recent. */
  transfer?: string;
  /** The registry's digest of the image the daemon pushed after the build (`--push`). */
  pushed?: string;
  exitCode: number;
}

export async function appendEvent(file: string, e: BuildEvent): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    // One write of one line with O_APPEND: concurrent builds do not interleave.
    await appendFile(file, `${JSON.stringify(e)}\n`, { mode: 0o666 });
  } catch {
    // No event log (read-only state dir, another user's file): the status line still says it all.
  }
}

export function buildEvent(b: SmartBuild, r: SmartResult, service?: string): BuildEvent {
  return {
    time: new Date().toISOString(),
    host: hostname(),
    project: b.project,
    tags: b.tags,
    ...(service ? { service } : {}),
    path: r.path ?? 'failed',
    ms: r.ms,
    bytes: r.bytes,
    ...(r.moveMs !== undefined ? { moveMs: r.moveMs } : {}),
    ...(r.downloadMs !== undefined ? { downloadMs: r.downloadMs } : {}),
    digest: r.imageId,
    ...(r.manifest ? { manifest: r.manifest } : {}),
    ...(r.transferRef ? { transfer: r.transferRef } : {}),
    ...(r.kept ? { kept: r.kept } : {}),
    ...(r.pushed ? { pushed: r.pushed } : {}),
    exitCode: r.build.code,
  };
}
