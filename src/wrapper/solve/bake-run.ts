// `docker buildx bake` on the shared builder, for bakes that load images: bake resolves its files,
// groups, targets and --set itself (`bake --print`); the wrapper then runs that definition once, each
// image target pushed by digest instead of loaded, the images the daemon has given as named contexts
// (local bases), and every image lands as a smart build's does.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ToolkitConfig } from '../../lib/config.js';
import { HelixError } from '../../lib/errors.js';
import { allOpts, isOn, lastOpt } from '../read/options.js';
import { landFromFacade, landTargets, type BakeItem } from '../land/bake-land.js';
import { bakeLiteral } from '../plan/bake-literal.js';
import type { BakeArgv } from '../read/bake-flags.js';
import { keyValue, type Flag, type ParsedBuild } from '../read/build-flags.js';
import { localBaseContexts, type LocalBases } from './local-bases.js';
import { runPlugin } from '../read/cli-plugin.js';
import type { ChildResult } from '../child.js';
import { CACHE_NS_ARG, cacheNamespace, localBuilderName, needsLocalBuilder, planBuild, projectOf, type DockerCall } from '../plan/plan.js';
import { probeSharedServices } from './reach.js';
import { ImageLander, type Landed } from '../land/image-lander.js';
import { buildxBake, keepOutput, pushOutput, solveEnv, SOLVE_FLAGS } from './buildx-invocation.js';
import { localBakeMetadata, type LandedImage } from '../land/metadata-file.js';
import { transferRepository } from '../land/transfer.js';
import { imageOutput, outputAttrs } from '../plan/image-outputs.js';
import { pushNames } from '../land/daemon-push.js';

type Target = Record<string, unknown> & { tags?: string[]; output?: unknown[]; platforms?: string[]; context?: string };

/** A definition as `bake --print` writes it. */
export interface PrintedBake {
  group?: Record<string, { targets?: string[] }>;
  target: Record<string, Target>;
}

/** An output as bake prints it (`{"type": "docker"}`) or as a file gives it (`type=docker`). */
function outputOf(o: unknown): Record<string, string> {
  if (typeof o === 'string') return outputAttrs(o) ?? { type: 'unreadable' };
  return Object.fromEntries(Object.entries((o ?? {}) as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** A target whose image lands in the daemon, under these names, pushed from there after if `push`. */
export interface LoadedTarget {
  name: string;
  tags: string[];
  push: boolean;
}

/**
 * The targets whose image bake would put into the daemon on docker's own builder (and push from
 * there, with --push or an output of type registry), or why buildx itself must run this bake. Pure.
 */
export function loadedTargets(def: PrintedBake): { targets: LoadedTarget[] } | { reason: string } {
  const targets: LoadedTarget[] = [];
  for (const [name, t] of Object.entries(def.target)) {
    const outs = (t.output ?? []).map(outputOf);
    const cacheOnly = outs.length > 0 && outs.every((o) => o.type === 'cacheonly');
    if (cacheOnly) continue;
    // A target without an output loads, as on docker's own builder (the docker driver's default).
    const dests = outs.map(imageOutput);
    if (dests.some((d) => !d)) return { reason: `target ${name} has an explicit output` };
    if ((t.platforms ?? []).length > 1) return { reason: `target ${name} builds several platforms` };
    if (t.attest !== undefined) return { reason: `target ${name} has attestations` };
    const push = dests.some((d) => d?.push);
    // buildx's rule: the tags name the image; without any, the outputs' names.
    const tags = [...new Set(t.tags?.length ? t.tags : dests.flatMap((d) => d?.names ?? []))];
    if (push && !tags.length) return { reason: `target ${name} pushes without a name` };
    targets.push({ name, tags, push });
  }
  return targets.length ? { targets } : { reason: 'no target loads an image' };
}

/** Why a target must run on the session's own builder (a build in the host network, see plan), if one must. Pure. */
export function localOnlyTarget(def: PrintedBake): string | undefined {
  for (const [name, t] of Object.entries(def.target)) {
    const why = needsLocalBuilder(targetBuild(t));
    if (why) return `target ${name}: ${why}`;
  }
  return undefined;
}

/**
 * The definition the wrapper runs: image targets exported to their transfer repositories by the given
 * outputs (kept in BuildKit's store, or pushed by digest), untagged; every value as bake resolved it, escaped so that bake does not interpolate it again. Pure.
 */
export function transferDefinition(def: PrintedBake, outputs: ReadonlyMap<string, string>): PrintedBake {
  const target = Object.fromEntries(
    Object.entries(def.target).map(([name, t]) => {
      const out = outputs.get(name);
      if (out === undefined) return [name, bakeLiteral(t)];
      const { tags: _tags, ...rest } = t;
      return [name, { ...bakeLiteral(rest), output: [out] }];
    }),
  );
  return { ...def, target };
}

/** Every target's cache mounts in the project's namespace, as a build's (plan.ts); a target's own value becomes one inside it. Pure. */
export function namespacedCaches(def: PrintedBake, project: string): PrintedBake {
  const target = Object.fromEntries(
    Object.entries(def.target).map(([name, t]) => {
      const args = (t.args ?? {}) as Record<string, string>;
      return [name, { ...t, args: { ...args, [CACHE_NS_ARG]: cacheNamespace(project, args[CACHE_NS_ARG]) } }];
    }),
  );
  return { ...def, target };
}

/** A target as the build the local-base lookup reads: its Dockerfile, args and named contexts. Pure. */
export function targetBuild(t: Target): ParsedBuild {
  const context = t.context ?? '.';
  const dockerfile = typeof t.dockerfile === 'string' ? t.dockerfile : 'Dockerfile';
  const flags: Flag[] = [{ name: 'file', value: isAbsolute(dockerfile) ? dockerfile : join(context, dockerfile) }];
  for (const [k, v] of Object.entries((t.args ?? {}) as Record<string, string>)) flags.push({ name: 'build-arg', value: `${k}=${v}` });
  for (const [k, v] of Object.entries((t.contexts ?? {}) as Record<string, string>)) flags.push({ name: 'build-context', value: `${k}=${v}` });
  if (typeof t.network === 'string') flags.push({ name: 'network', value: t.network });
  return { flags, positionals: [context] };
}

/** Every target that reads an image the daemon has gets it as a named context, as a build does. */
async function withLocalBases(def: PrintedBake, bases: LocalBases): Promise<PrintedBake> {
  const target: Record<string, Target> = {};
  for (const [name, t] of Object.entries(def.target)) {
    const inline = typeof t['dockerfile-inline'] === 'string' ? t['dockerfile-inline'] : undefined;
    const found = await localBaseContexts(bases, targetBuild(t), [], inline);
    const contexts = Object.fromEntries(found.map((f) => keyValue(f.value)));
    target[name] = found.length ? { ...t, contexts: { ...((t.contexts ?? {}) as Record<string, string>), ...contexts } } : t;
  }
  return { ...def, target };
}

/**
 * The daemon pushes each pushing target's image once it landed, as bake on docker's own builder does;
 * the first failure ends the bake with bake's line for it.
 */
async function pushTargets(cfg: ToolkitConfig, items: readonly BakeItem[], targets: readonly LoadedTarget[], show: boolean): Promise<{ digests: Map<string, string>; error?: string }> {
  const digests = new Map<string, string>();
  for (const t of targets.filter((x) => x.push)) {
    const i = items.find((x) => x.target === t.name) as BakeItem;
    const p = await pushNames(cfg, i.lander.b, i.lander.daemon, show);
    if ('error' in p) {
      process.stderr.write(`ERROR: target ${t.name}: ${p.error}\n`);
      return { digests, error: p.error };
    }
    if (p.digest) digests.set(t.name, p.digest);
  }
  return { digests };
}

/** The user's metadata file as a bake on docker's builder would have written it for the landed images. */
async function rewriteMetadata(file: string, def: PrintedBake, items: readonly BakeItem[], landed: ReadonlyMap<string, Landed>, pushed: ReadonlyMap<string, string>): Promise<void> {
  const targets = new Map<string, LandedImage>();
  for (const i of items) {
    const imageId = landed.get(i.target)?.imageId;
    const t = def.target[i.target] as Target;
    const userContexts = (t.contexts ?? {}) as Record<string, string>;
    if (imageId) targets.set(i.target, { imageId, tags: i.lander.b.tags, userContexts, userCacheNamespace: ((t.args ?? {}) as Record<string, string>)[CACHE_NS_ARG], pushed: pushed.get(i.target) });
  }
  const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify(localBakeMetadata(m, targets), null, 2));
}

export interface BakeRun {
  docker: DockerCall;
  bake: BakeArgv;
  builder: string;
}

/** How the wrapper should end, or undefined to hand the line to the real docker unchanged. */
export async function runBake(cfg: ToolkitConfig, r: BakeRun): Promise<ChildResult | undefined> {
  const { buildkitUp, registryUp, facadeUp, buildkitWarning } = await probeSharedServices(cfg);
  const explicitBuilder = lastOpt(r.bake.opts, 'builder') !== undefined;
  // As a build does: the session's own builder runs the bake, its command line as given.
  const bakeLocally = (why: string) => {
    process.stderr.write(`helix: ${why}; built with the local builder\n`);
    const env = { ...process.env, BUILDX_BUILDER: localBuilderName(r.docker, process.env) };
    return runPlugin('buildx', cfg.realDocker, r.docker.configDir, buildxBake(r.docker.globals, undefined, r.bake.args), { env });
  };
  if (!buildkitUp) return explicitBuilder ? undefined : bakeLocally(`warning: ${buildkitWarning}`);
  if (!registryUp) return undefined;
  const print = await runPlugin('buildx', cfg.realDocker, r.docker.configDir, buildxBake(r.docker.globals, r.builder, ['--print', ...r.bake.args]), {
    stdout: 'capture',
    stderr: 'ignore',
  });
  if (print.code !== 0) return undefined; // bake prints its own error
  const def = JSON.parse(print.stdout) as PrintedBake;
  const local = localOnlyTarget(def);
  if (local && !explicitBuilder) return bakeLocally(local);
  const loaded = loadedTargets(def);
  if ('reason' in loaded) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'helix-bake-'));
  try {
    const items: BakeItem[] = loaded.targets.map(({ name, tags }) => {
      const t = def.target[name] as Target;
      // Each target lands as the smart build of its context and tags would; a push follows the landing.
      const plan = planBuild({ flags: tags.map((value) => ({ name: 'tag', value })), positionals: [t.context ?? '.'] }, r.docker, r.builder, process.env, false);
      if (plan.kind !== 'smart') throw new HelixError('INTERNAL', `bake target ${name}: cannot plan its landing (${plan.kind})`);
      const lander = new ImageLander(plan.build, cfg);
      return { target: name, lander, repo: transferRepository(cfg.registry, plan.build.project, plan.build.tags), ids: lander.localIds() };
    });
    const local = namespacedCaches(items[0] ? await withLocalBases(def, items[0].lander.bases()) : def, projectOf(process.env));
    const facade = landFromFacade(items, facadeUp);
    const passOn = [...allOpts(r.bake.opts, 'allow').map((v) => `--allow=${v}`), ...(isOn(r.bake.opts, 'debug') ? ['--debug'] : [])];
    const progress = lastOpt(r.bake.opts, 'progress');
    const run = async (name: string, output: (repo: string) => string, meta: string, shown: boolean) => {
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(transferDefinition(local, new Map(items.map((i) => [i.target, output(i.repo)])))));
      return runPlugin(
        'buildx',
        cfg.realDocker,
        r.docker.configDir,
        buildxBake(r.docker.globals, r.builder, [...SOLVE_FLAGS, `--file=${file}`, `--metadata-file=${meta}`, ...passOn, ...(shown && progress ? [`--progress=${progress}`] : [])]),
        { env: solveEnv(lastOpt(r.bake.opts, 'metadata-file') !== undefined), stderr: shown ? 'inherit' : 'ignore' },
      );
    };
    const meta = lastOpt(r.bake.opts, 'metadata-file') ?? join(dir, 'metadata.json');
    const started = Date.now();
    const build = await run('bake', (repo) => (facade ? keepOutput(cfg, repo) : pushOutput(cfg, repo)), meta, true);
    if (build.code !== 0 || build.signal) return build;
    const pushAgain = async () => {
      const again = join(dir, 'push-metadata.json');
      const pushed = await run('bake-push', (repo) => pushOutput(cfg, repo), again, false);
      return pushed.code === 0 && !pushed.signal ? again : undefined;
    };
    const landed = await landTargets(cfg, items, build, meta, started, facade ? { via: 'facade', pushAgain } : { via: 'registry' });
    const pushed = await pushTargets(cfg, items, loaded.targets, progress !== 'quiet');
    if (lastOpt(r.bake.opts, 'metadata-file')) await rewriteMetadata(meta, def, items, landed, pushed.digests);
    return pushed.error ? { ...build, code: 1 } : build;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
