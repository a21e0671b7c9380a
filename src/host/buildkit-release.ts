// The images the facade path keeps in the builder's store (the shared one's, or its project's), one name per project and
// repository, hold their blobs there until the next build of that repository replaces the name; a
// repository nobody builds any more would hold its last image for good. `helix gc` points every name
// no build used within the grace period at an empty image, so that BuildKit's own garbage collection,
// bounded as configured, takes what it held.
import type { HostEvent } from './build-events.js';
import { readHostEvents } from './build-events.js';
import { BUILDKIT_LOCAL_SOCKET } from './buildkit-container.js';
import { containerInfo, execIn } from './engine.js';
import { projectOfRepository } from './facade/requests.js';
import type { HostConfig } from './host-config.js';
import { builderFor } from './tenancy.js';
import { HelixError } from '../lib/errors.js';
import { PROJECTS_PREFIX } from '../lib/registry-names.js';
import type { SandboxDeps } from './sandbox.js';

/** A kept name as the wrapper writes it; anything else in a session's events is not acted on. */
const KEPT = new RegExp(`^[a-z0-9.-]+(?::\\d+)?/${PROJECTS_PREFIX}/[a-z0-9]+(?:[._/-][a-z0-9]+)*$`);

/** The kept names whose last use is older than the cutoff. Pure. */
export function staleKeptNames(events: readonly HostEvent[], cutoffMs: number): string[] {
  const last = new Map<string, number>();
  for (const e of events) if (e.kept && KEPT.test(e.kept)) last.set(e.kept, Math.max(last.get(e.kept) ?? 0, e.timeMs));
  return [...last].filter(([, t]) => t < cutoffMs).map(([name]) => name).sort();
}

/** An empty image exported under every name at once, by BuildKit in its own container. */
const RELEASE = [
  'd=$(mktemp -d) || exit 1',
  'printf "FROM scratch\\n" > "$d/Dockerfile"',
  `buildctl --addr ${BUILDKIT_LOCAL_SOCKET} build --frontend dockerfile.v0 --local context="$d" --local dockerfile="$d" --output "$1"`,
  'rc=$?; rm -rf "$d"; exit $rc',
].join('\n');

/** `events`: the sessions' build events, read here if not given. */
export async function releaseKeptImages(d: SandboxDeps, graceHours: number, events?: readonly HostEvent[]): Promise<string[]> {
  const names = staleKeptNames(events ?? (await readHostEvents(d.cfg.stateDir)), Date.now() - graceHours * 3_600_000);
  if (!names.length) return [];
  const released = await releaseNames(d, names);
  d.log.info(`buildkit: ${released.length} kept images released (unused for ${graceHours} h)`);
  return released;
}

/** The builders that keep each name: the shared one, or under `project` tenancy the name's project's. Pure. */
export function keptByBuilder(cfg: HostConfig, names: readonly string[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const n of names) {
    const builder = builderFor(cfg, projectOfRepository(n.slice(n.indexOf('/') + 1))).name;
    by.set(builder, [...(by.get(builder) ?? []), n]);
  }
  return by;
}

/**
 * Points each name in its builder's image store at an empty image, so what it held can be collected;
 * returns the names released. A project builder that is stopped collects nothing meanwhile: its names
 * wait for a run while it is up.
 */
export async function releaseNames(d: SandboxDeps, names: readonly string[]): Promise<string[]> {
  const released: string[] = [];
  for (const [builder, kept] of keptByBuilder(d.cfg, names)) {
    if (d.cfg.tenancy === 'project' && !(await containerInfo(d.engine, builder))?.State.Running) continue;
    const r = await execIn(d.engine, builder, ['sh', '-c', RELEASE, 'release', `type=image,"name=${kept.join(',')}",push=false`]);
    if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `releasing ${kept.length} kept images in ${builder}: ${r.stderr.trim().split('\n').pop()}`);
    released.push(...kept);
  }
  return released;
}
