// Local images as bases. Plain docker builds FROM an image the daemon has (built, pulled or loaded
// there) with that very image; the shared builder cannot see the daemon. So each such image is put in
// the project's namespace of the shared registry once (by digest, remembered beside the event log by
// project and image id) and handed to the build as a named context pinned by digest, which the
// frontend uses for that name in FROM, COPY --from and RUN --mount from=: as with plain docker, the
// local image wins.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readIfExists, writeFileAtomic } from '../../lib/atomic-write.js';
import type { ToolkitConfig } from '../../lib/config.js';
import { wrapperCachePath } from '../../lib/session-contract.js';
import { contextOf, keyValue, lastValue, values, type Flag, type ParsedBuild } from '../read/build-flags.js';
import type { Daemon } from '../land/daemon.js';
import { contextName, imageRefs } from '../plan/dockerfile-refs.js';
import { fetchManifest } from '../../lib/registry-client.js';
import { splitForApi } from '../../lib/reference.js';
import { transferRepository } from '../land/transfer.js';

/** The Dockerfile a build reads, when it can be read before the build (not from stdin or a URL). */
async function dockerfileOf(b: ParsedBuild): Promise<string | undefined> {
  const context = contextOf(b);
  const file = lastValue(b, 'file');
  if (context === undefined || context === '-' || file === '-') return undefined;
  const remote = /^[a-z]+:\/\//i.test(context) || context.startsWith('git@');
  if (remote && (file === undefined || !isAbsolute(file))) return undefined;
  return readFile(file ?? join(context, 'Dockerfile'), 'utf8').catch(() => undefined);
}

/** The build's --build-arg values; a bare NAME takes its value from the environment, as buildx does. */
function buildArgs(b: ParsedBuild): Map<string, string> {
  return new Map(values(b, 'build-arg').map((kv) => keyValue(kv, process.env)).filter((e): e is [string, string] => e[1] !== undefined));
}

type Pushed = Record<string, string>;

function pushedFile(cfg: ToolkitConfig): string {
  return wrapperCachePath(cfg.eventsFile, 'bases');
}

/** The registry still has the manifest (a registry garbage collection may have removed it). */
async function inRegistry(cfg: ToolkitConfig, ref: string): Promise<boolean> {
  const [repo, digest] = splitForApi(ref);
  const res = await fetchManifest(cfg, repo, digest, 'HEAD').catch(() => undefined);
  return res?.status === 200;
}

export interface LocalBases {
  cfg: ToolkitConfig;
  daemon: Daemon;
  project: string;
}

/** The registry reference of a local image, pushed there by digest if it is not yet. */
async function registryRef(l: LocalBases, ref: string, id: string, known: Pushed): Promise<string> {
  const had = known[`${l.project}/${id}`];
  if (had && (await inRegistry(l.cfg, had))) return had;
  const repo = transferRepository(l.cfg.registry, l.project, [ref]);
  const vehicle = `${repo}:base-${id.replace(/^sha256:/, '').slice(0, 12)}`;
  await l.daemon.tag(id, vehicle);
  try {
    return `${repo}@${await l.daemon.push(vehicle)}`;
  } finally {
    await l.daemon.untag(vehicle);
  }
}

/** The build's own `--build-context NAME=docker-image://REF` flags: [name, ref]. */
function imageContexts(b: ParsedBuild): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const [name, v = ''] of values(b, 'build-context').map((c) => keyValue(c))) {
    if (name && v.startsWith('docker-image://')) out.push([name, v.slice('docker-image://'.length)]);
  }
  return out;
}

/**
 * Named contexts for the images the build reads that the daemon has: those its Dockerfile names, and
 * those its own `docker-image://` contexts name (given again, pinned, after the user's: the last
 * wins). `given`: names the build already has a context for (another compose service's), which win.
 * `inline`: the Dockerfile itself, where it is not a file (compose's dockerfile_inline).
 */
export async function localBaseContexts(l: LocalBases, b: ParsedBuild, given: readonly string[] = [], inline?: string): Promise<Flag[]> {
  const text = inline ?? (await dockerfileOf(b));
  const userContexts = imageContexts(b);
  const taken = new Set([...given, ...values(b, 'build-context').map((c) => keyValue(c)[0])].map(contextName));
  const fromDockerfile = text === undefined ? [] : imageRefs(text, buildArgs(b)).filter((r) => !taken.has(contextName(r)));
  const wanted = [...fromDockerfile.map((ref) => [contextName(ref), ref] as const), ...userContexts.filter(([, ref]) => !ref.includes('@'))];
  const local = (await Promise.all(wanted.map(async ([name, ref]) => [name, ref, await l.daemon.imageId(ref)] as const))).filter(
    (e): e is readonly [string, string, string] => e[2] !== undefined,
  );
  if (!local.length) return [];
  const file = pushedFile(l.cfg);
  const known = JSON.parse((await readIfExists(file).catch(() => undefined)) ?? '{}') as Pushed;
  const flags: Flag[] = [];
  const pushed: Pushed = {};
  for (const [name, ref, id] of local) {
    const at = pushed[`${l.project}/${id}`] ?? (await registryRef(l, ref, id, known));
    pushed[`${l.project}/${id}`] = at;
    flags.push({ name: 'build-context', value: `${name}=docker-image://${at}` });
  }
  // Best effort: without it, the next build checks the registry and pushes again (blobs it has cost a HEAD).
  await writeFileAtomic(file, `${JSON.stringify({ ...known, ...pushed })}\n`, 0o666).catch(() => undefined);
  return flags;
}
