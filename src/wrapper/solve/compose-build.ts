// Runs `docker compose build`, `up`, `create` and `run` (with --build, or with images to build) through
// the smart path: all services in one bake on the shared builder (or, where one bake cannot do, one
// buildx build per service in dependency order), each image then reaching the daemon by the smart
// path's cheapest way; then the original command runs without building.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ToolkitConfig } from '../../lib/config.js';
import { runChild, type ChildResult } from '../child.js';
import { runPlugin } from '../read/cli-plugin.js';
import { buildsImplicitly, flag, opt, optAll, withoutBuild } from '../read/compose-argv.js';
import { missingBuilds } from '../plan/compose-missing.js';
import { daemonFor } from '../land/image-lander.js';
import { startBake } from './compose-bake-run.js';
import { buildEach } from './compose-each.js';
import { buildsThroughBake, composeBuildFailureCode } from '../report/compose-exit.js';
import { ComposePlanError, planComposeBuilds, projectOf, type ComposeProject, type ServiceBuild } from '../plan/compose-plan.js';
import { SUCCESS, type ComposeRun } from '../plan/compose-run.js';
import { localBuilderName, needsLocalBuilder } from '../plan/plan.js';
import { cacheProject, projectCacheFile, readCachedProject } from '../plan/project-cache.js';
import { composeVersion, versionCore } from '../plan/compose-version.js';
import { buildProgress, builtLines, composeDisplay } from '../report/compose-display.js';
import { imageRefs } from '../plan/dockerfile-refs.js';
import { pushName } from '../land/daemon-push.js';
import { values } from '../read/build-flags.js';

/** The project as compose reads it now (`config --format json`), or undefined if compose cannot. */
async function loadProjectText(cfg: ToolkitConfig, r: ComposeRun, signal: AbortSignal): Promise<string | undefined> {
  const out = await runPlugin('compose', cfg.realDocker, r.docker.configDir, [...r.docker.globals, 'compose', ...r.compose.globals, 'config', '--format', 'json'], {
    stdout: 'capture',
    stderr: 'ignore',
    stdin: 'ignore',
    signal,
  });
  return out.code === 0 ? out.stdout : undefined;
}

async function refsByService(project: ComposeProject): Promise<Map<string, string[]>> {
  const refs = new Map<string, string[]>();
  await Promise.all(
    Object.entries(project.services).map(async ([name, svc]) => {
      const b = svc.build;
      if (!b) return;
      let text = b.dockerfile_inline;
      if (text === undefined && b.context && !/^[a-z]+:\/\//i.test(b.context)) {
        const file = b.dockerfile ?? 'Dockerfile';
        text = await readFile(isAbsolute(file) ? file : join(b.context, file), 'utf8').catch(() => undefined);
      }
      const args = new Map(Object.entries(b.args ?? {}).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as const] : [])));
      refs.set(name, text ? imageRefs(text, args) : []);
    }),
  );
  return refs;
}

/** Why a project's builds must run on the session's own builder, if one of them must. */
function localOnly(builds: readonly ServiceBuild[]): string | undefined {
  for (const b of builds) {
    const why = needsLocalBuilder(b.build);
    if (why) return `service ${b.service}: ${why}`;
  }
  return undefined;
}

/** The service builds a project's text asks for, in dependency order. */
async function buildsOf(r: ComposeRun, text: string, progress: string | undefined, version: string): Promise<ServiceBuild[]> {
  const c = r.compose;
  const project = projectOf(text);
  const refs = await refsByService(project);
  const levels = planComposeBuilds(
    project,
    c.services,
    {
      buildArgs: optAll(c, 'build-arg'),
      noCache: flag(c, 'no-cache'),
      pull: c.sub === 'build' && flag(c, 'pull'),
      ssh: optAll(c, 'ssh'),
      progress,
      withDependencies: c.sub === 'build' ? flag(c, 'with-dependencies') : !flag(c, 'no-deps'),
      composeVersion: versionCore(version),
    },
    (s) => refs.get(s) ?? [],
  );
  return levels.flat();
}

/**
 * `compose build --push`: the daemon pushes every tag of each service that names its image, once
 * landed, as compose on docker's own builder does (its bake pushes "with docker"); the progress goes
 * where compose shows build progress. Returns the daemon's message of the first refused push.
 */
async function pushServices(cfg: ToolkitConfig, r: ComposeRun, built: readonly ServiceBuild[], progress: string | undefined): Promise<string | undefined> {
  const shown = !flag(r.compose, 'quiet') && progress !== 'quiet';
  for (const b of built.filter((x) => x.named)) {
    for (const name of new Set(values(b.build, 'tag'))) {
      const refused = await pushName(cfg, r.docker.globals, name, shown ? 'inherit' : 'ignore');
      if (refused) return refused;
    }
  }
  return undefined;
}

/**
 * Returns how the wrapper should end, or undefined to hand the line to the real docker unchanged.
 * The bake starts on the project as compose last read it for this directory and command line, while
 * compose reads it again; if compose now reads something else, that bake is stopped and the builds
 * start over on what compose read. `up`, `create` and `run` without --build build only what compose
 * would build (see compose-missing); when that is nothing, compose runs as it is.
 */
export async function runComposeBuilds(cfg: ToolkitConfig, r: ComposeRun): Promise<ChildResult | undefined> {
  const c = r.compose;
  const progress = buildProgress(c, process.env);
  const cacheFile = projectCacheFile(cfg, JSON.stringify([process.cwd(), r.docker.globals, c.words]));
  const reading = new AbortController();
  const fresh = loadProjectText(cfg, r, reading.signal);
  const [cached, version] = await Promise.all([readCachedProject(cacheFile), composeVersion(cfg, r.docker)]);
  const implicit = buildsImplicitly(c);
  const daemon = daemonFor(r.docker, cfg);
  const pullFlag = c.sub === 'build' ? undefined : opt(c, 'pull');
  const plan = async (text: string) => {
    const builds = await buildsOf(r, text, progress, version);
    return implicit ? missingBuilds(daemon, projectOf(text), builds, pullFlag) : builds;
  };
  if (implicit && cached && (await plan(cached).catch(() => undefined))?.length === 0) {
    // Nothing to build by the project as last read: compose runs at once (and builds itself, should
    // the project have changed since).
    reading.abort();
    await fresh;
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'helix-compose-'));
  // The builds the finished run was of, for compose's "Built" lines.
  let built: ServiceBuild[] = [];
  try {
    const fromCache = cached && !implicit ? await plan(cached).catch(() => undefined) : undefined;
    let bake = fromCache && !localOnly(fromCache) ? await startBake(cfg, r, fromCache, progress, dir) : undefined;
    if (bake && fromCache) built = fromCache;
    const text = await fresh;
    if (text !== cached) {
      await bake?.cancel();
      bake = undefined;
    }
    if (text === undefined) return undefined; // compose will print its own error
    if (text !== cached) await cacheProject(cacheFile, text);
    let ended: ChildResult;
    if (bake) ended = await bake.finish();
    else {
      // Planned again only when the bake on the cached project could not be kept.
      const builds = await plan(text).catch((err: unknown) => {
        if (err instanceof ComposePlanError) return undefined;
        throw err;
      });
      // A project the wrapper cannot plan (no such service, say) is compose's to run, and to refuse;
      // one with nothing to build, compose's to run as it is.
      if (!builds?.length) return undefined;
      const local = localOnly(builds);
      if (local) {
        // As plain compose would run it: on the session's own builder, every service.
        process.stderr.write(`helix: ${local}; built with the local builder\n`);
        const env = { ...process.env, BUILDX_BUILDER: localBuilderName(r.docker, process.env) };
        return await runChild(cfg.realDocker, [...r.docker.globals, 'compose', ...c.words], { env });
      }
      built = builds;
      bake = await startBake(cfg, r, builds, progress, dir);
      ended = bake ? await bake.finish() : await buildEach(cfg, r, builds, dir);
    }
    if (ended.signal) return ended;
    if (ended.code !== 0) return { ...ended, code: composeBuildFailureCode(ended.code, version, process.env.COMPOSE_BAKE) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (c.sub === 'build' && flag(c, 'push')) {
    const refused = await pushServices(cfg, r, built, progress);
    if (refused) {
      process.stderr.write(`${refused}\n`);
      return { code: 1, signal: null, stdout: '' };
    }
  }
  const display = composeDisplay(c, process.env, process.stdout.isTTY === true);
  process.stderr.write(builtLines(c, built.map((b) => b.image), display, buildsThroughBake(version, process.env.COMPOSE_BAKE)));
  if (c.sub === 'build') return SUCCESS;
  return runChild(cfg.realDocker, [...r.docker.globals, 'compose', ...withoutBuild(c)]);
}
