// The images the facade path keeps in the shared BuildKit's store, one name per project and
// repository, hold their blobs there until the next build of that repository replaces the name; a
// repository nobody builds any more would hold its last image for good. `helix gc` points every name
// no build used within the grace period at an empty image, so that BuildKit's own garbage collection,
// bounded as configured, takes what it held.
import type { HostEvent } from './build-events.js';
import { readHostEvents } from './build-events.js';
import { BUILDKIT_LOCAL_SOCKET } from './buildkit-container.js';
import { execIn } from './engine.js';
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
  await releaseNames(d, names);
  d.log.info(`buildkit: ${names.length} kept images released (unused for ${graceHours} h)`);
  return names;
}

/** Points each name in BuildKit's image store at an empty image, so what it held can be collected. */
export async function releaseNames(d: SandboxDeps, names: readonly string[]): Promise<void> {
  const r = await execIn(d.engine, d.cfg.buildkit.name, ['sh', '-c', RELEASE, 'release', `type=image,"name=${names.join(',')}",push=false`]);
  if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `releasing ${names.length} kept images in ${d.cfg.buildkit.name}: ${r.stderr.trim().split('\n').pop()}`);
}
