// Garbage collection of the shared registry. Every changed build pushes its image into its project's
// namespace, and nothing else removes them: the registry only grows, on the disk BuildKit's cache
// shares. A transfer is needed only until the session that built it has pulled it (each session and
// golden then holds the image in its own data-root; a local base missing from the registry is pushed
// again), so transfers older than the grace period that no recent build event names are deleted, and
// their blobs reclaimed by the registry's own garbage collector, run while the registry is read-only:
// a push during that window is refused, never half-collected. The docker.io mirror the host seeds is
// never touched; any other repository outside the projects' namespace holds transfers from before
// there were namespaces (only the host can write there now), and goes the same way.
import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from '../lib/atomic-write.js';
import { HelixError } from '../lib/errors.js';
import { mirrorReference, PROJECTS_PREFIX } from '../lib/registry-names.js';
import { execIn } from './engine.js';
import { tryLock } from './file-lock.js';
import { REGISTRY_CONFIG_DIR, registryConfigFile, renderRegistryConfig } from './host-config.js';
import { hostRegistryToken, repositoryAccess } from './registry-token.js';
import type { SandboxDeps } from './sandbox.js';
import { registryHealthy, registryUrl, waitFor } from './sandbox.js';
import { readHostEvents, type HostEvent } from './build-events.js';
import { releaseKeptImages } from './buildkit-release.js';

const STORE = '/var/lib/registry/docker/registry/v2';

export interface Transfer {
  repo: string;
  digest: string;
  /** When the registry last wrote its manifest link (its push), ms since the epoch. */
  pushedMs: number;
}

export interface GcReport {
  /** Bytes of the registry's storage before and after. */
  beforeBytes: number;
  afterBytes: number;
  deleted: number;
  kept: number;
}

/**
 * `find -printf '%T@ %P\n'` lines of manifest revision links under repositories/ → the transfers among
 * them: everything but the mirrored repositories. Pure.
 */
export function parseTransfers(findOutput: string, mirrored: ReadonlySet<string>): Transfer[] {
  const out: Transfer[] = [];
  for (const line of findOutput.split('\n')) {
    const m = /^(\d+(?:\.\d+)?) (.+)\/_manifests\/revisions\/sha256\/([0-9a-f]{64})\/link$/.exec(line.trim());
    if (!m) continue;
    const repo = m[2] as string;
    if (!repo.startsWith(`${PROJECTS_PREFIX}/`) && mirrored.has(repo)) continue;
    out.push({ pushedMs: Math.round(Number(m[1]) * 1000), repo, digest: `sha256:${m[3]}` });
  }
  return out;
}

/** The registry paths of the images the host mirrors: "debian:trixie" → "library/debian". Pure. */
export function mirroredRepositories(images: readonly string[]): Set<string> {
  return new Set(images.map((ref) => mirrorReference(ref).repository));
}

/** The tag the wrapper pushes a local base under (local-bases.ts); any other tag is someone's on purpose. */
const WRAPPER_TAG = /^base-[0-9a-f]{12}$/;

/**
 * Lines `<repo>/_manifests/tags/<tag>/current/link sha256:<hex>` → the manifests (repo@digest) a tag
 * pushed on purpose names: a session's `docker push` into its namespace. The wrapper's own transfers
 * go by digest, or under its local-base tags. Pure.
 */
export function taggedOnPurpose(lines: string): Set<string> {
  const out = new Set<string>();
  for (const line of lines.split('\n')) {
    const m = /^(?:\.\/)?(.+)\/_manifests\/tags\/([^/]+)\/current\/link (sha256:[0-9a-f]{64})$/.exec(line.trim());
    if (m && !WRAPPER_TAG.test(m[2] as string)) out.add(`${m[1]}@${m[3]}`);
  }
  return out;
}

/** The transfers to delete: older than the grace period, named by no build event since, and no image someone tagged. Pure. */
export function chooseDeletions(transfers: readonly Transfer[], keep: ReadonlySet<string>, cutoffMs: number): Transfer[] {
  return transfers.filter((t) => t.pushedMs < cutoffMs && !keep.has(`${t.repo}@${t.digest}`));
}

/** Transfers (repo@digest, without the registry host) that build events at or after the cutoff name. */
function recentTransfers(events: readonly HostEvent[], cutoffMs: number): Set<string> {
  return new Set(events.flatMap((e) => (e.transfer && e.timeMs >= cutoffMs ? [e.transfer.replace(/^[^/]+\//, '')] : [])));
}

async function inRegistry(d: SandboxDeps, script: string): Promise<string> {
  const r = await execIn(d.engine, d.cfg.registry.name, ['sh', '-c', script]);
  if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `in ${d.cfg.registry.name}: ${script.split(' ')[0]}: ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout;
}

/** Bytes the shared registry stores. */
export const storageBytes = async (d: SandboxDeps) => Number((await inRegistry(d, `du -sb ${STORE} 2>/dev/null || echo 0`)).split(/\s/)[0]);

/** Puts the registry in or out of read-only mode: its config is rewritten and it restarts. */
async function setReadOnly(d: SandboxDeps, readOnly: boolean): Promise<void> {
  await writeFileAtomic(registryConfigFile(d.cfg), renderRegistryConfig(d.cfg, readOnly));
  await d.engine.getContainer(d.cfg.registry.name).restart({ t: 10 });
  await waitFor(`registry ${d.cfg.registry.name}`, () => registryHealthy(d.cfg), 30_000);
}

/** How often `up` and `serve` collect (HELIX_GC_INTERVAL_HOURS) and with which grace (HELIX_GC_GRACE_HOURS). */
export function gcSchedule(env: Readonly<Record<string, string | undefined>> = process.env): { intervalHours: number; graceHours: number } {
  const n = (v: string | undefined, d: number) => (v !== undefined && Number(v) >= 0 ? Number(v) : d);
  return { intervalHours: n(env.HELIX_GC_INTERVAL_HOURS, 24), graceHours: n(env.HELIX_GC_GRACE_HOURS, 24) };
}

/**
 * Collects (the registry, and the images kept in BuildKit for the facade) if the last collection is
 * older than the interval; the time of the last one is kept on disk.
 */
export async function gcIfDue(d: SandboxDeps, now = Date.now()): Promise<GcReport | undefined> {
  const { intervalHours, graceHours } = gcSchedule();
  const stamp = join(d.cfg.stateDir, 'registry', 'last-gc');
  const last = Date.parse((await readIfExists(stamp))?.trim() ?? '');
  if (intervalHours === 0 || (last && now - last < intervalHours * 3_600_000)) return undefined;
  // One reading of the sessions' events for both collections.
  const events = await readHostEvents(d.cfg.stateDir);
  const r = await registryGc(d, graceHours, events);
  await releaseKeptImages(d, graceHours, events);
  await writeFileAtomic(stamp, `${new Date(now).toISOString()}\n`);
  return r;
}

/** `events`: the sessions' build events, read here if not given. */
export async function registryGc(d: SandboxDeps, graceHours: number, events?: readonly HostEvent[]): Promise<GcReport> {
  const lock = await tryLock(join(d.cfg.stateDir, 'registry', 'gc.lock'));
  if (!lock) throw new HelixError('CONFLICT', 'a registry garbage collection is already running');
  try {
    // A collection a killed host process left read-only is finished first.
    if ((await readIfExists(registryConfigFile(d.cfg))) !== renderRegistryConfig(d.cfg)) await setReadOnly(d, false);
    const beforeBytes = await storageBytes(d);
    const cutoffMs = Date.now() - graceHours * 3_600_000;
    const listing = await inRegistry(d, `cd ${STORE}/repositories 2>/dev/null && find . -path '*/_manifests/revisions/sha256/*/link' -printf '%T@ %P\\n' || true`);
    const transfers = parseTransfers(listing, mirroredRepositories(d.cfg.mirrorImages));
    const tags = await inRegistry(d, `cd ${STORE}/repositories 2>/dev/null && find . -path '*/_manifests/tags/*/current/link' | while read -r f; do printf '%s %s\\n' "$f" "$(cat "$f")"; done || true`);
    const keep = new Set([...recentTransfers(events ?? (await readHostEvents(d.cfg.stateDir)), cutoffMs), ...taggedOnPurpose(tags)]);
    const doomed = chooseDeletions(transfers, keep, cutoffMs);
    for (const t of doomed) {
      const token = await hostRegistryToken(d.cfg, [repositoryAccess(t.repo, 'delete')]);
      const res = await fetch(`${registryUrl(d.cfg)}/v2/${t.repo}/manifests/${t.digest}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 202 && res.status !== 404) throw new HelixError('COMMAND_FAILED', `deleting ${t.repo}@${t.digest}: HTTP ${res.status}`);
    }
    await setReadOnly(d, true);
    try {
      await inRegistry(d, `docker-registry garbage-collect --delete-untagged=false ${REGISTRY_CONFIG_DIR}/config.yml >/dev/null`);
    } finally {
      await setReadOnly(d, false);
    }
    const afterBytes = await storageBytes(d);
    d.log.info(`registry gc: ${doomed.length} of ${transfers.length} transfers deleted (older than ${graceHours} h), ${beforeBytes} → ${afterBytes} bytes`);
    return { beforeBytes, afterBytes, deleted: doomed.length, kept: transfers.length - doomed.length };
  } finally {
    await lock.release();
  }
}
