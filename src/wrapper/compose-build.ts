// Runs `docker compose build`, `up --build` and `run --build` through the smart path: all services in
// one bake on the shared builder (or, where one bake cannot do, one buildx build per service in
// dependency order), each image then reaching the daemon by the smart path's cheapest way; then the
// original command runs without building.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ToolkitConfig } from '../lib/config.js';
import { runChild, type ChildResult } from './child.js';
import { flag, optAll, withoutBuild } from './compose-argv.js';
import { lastOpt } from './options.js';
import { startBake } from './compose-bake-run.js';
import { buildEach } from './compose-each.js';
import { composeBuildFailureCode } from './compose-exit.js';
import { ComposePlanError, dockerfileRefs, planComposeBuilds, type ComposeProject, type ServiceBuild } from './compose-plan.js';
import { SUCCESS, type ComposeRun } from './compose-run.js';
import { cacheProject, projectCacheFile, readCachedProject } from './project-cache.js';

/** The project as compose reads it now (`config --format json`), or undefined if compose cannot. */
async function loadProjectText(cfg: ToolkitConfig, r: ComposeRun): Promise<string | undefined> {
  const out = await runChild(cfg.realDocker, [...r.docker.globals, 'compose', ...r.compose.globals, 'config', '--format', 'json'], {
    stdout: 'capture',
    stderr: 'ignore',
    stdin: 'ignore',
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
      refs.set(name, text ? dockerfileRefs(text) : []);
    }),
  );
  return refs;
}

/** The code this compose exits with when a build failed; asked only then, it costs a compose start. */
async function failureCode(cfg: ToolkitConfig, r: ComposeRun, buildCode: number): Promise<number> {
  const v = await runChild(cfg.realDocker, [...r.docker.globals, 'compose', 'version', '--short'], { stdout: 'capture', stderr: 'ignore', stdin: 'ignore' });
  return composeBuildFailureCode(buildCode, v.code === 0 ? v.stdout : '', process.env.COMPOSE_BAKE);
}

/** The service builds a project's text asks for, in dependency order. */
async function buildsOf(r: ComposeRun, text: string, progress: string | undefined): Promise<ServiceBuild[]> {
  const c = r.compose;
  const project = JSON.parse(text) as ComposeProject;
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
    },
    (s) => refs.get(s) ?? [],
  );
  return levels.flat();
}

/**
 * Returns how the wrapper should end, or undefined to hand the line to the real docker unchanged.
 * The bake starts on the project as compose last read it for this directory and command line, while
 * compose reads it again; if compose now reads something else, that bake is stopped and the builds
 * start over on what compose read.
 */
export async function runComposeBuilds(cfg: ToolkitConfig, r: ComposeRun): Promise<ChildResult | undefined> {
  const c = r.compose;
  const quiet = c.sub === 'build' && flag(c, 'quiet');
  const progress = quiet ? 'quiet' : lastOpt(c.globalOpts, 'progress');
  const cacheFile = projectCacheFile(cfg, JSON.stringify([process.cwd(), r.docker.globals, c.words]));
  const fresh = loadProjectText(cfg, r);
  const cached = await readCachedProject(cacheFile);
  const dir = await mkdtemp(join(tmpdir(), 'helix-compose-'));
  try {
    let bake = cached ? await buildsOf(r, cached, progress).then((b) => startBake(cfg, r, b, progress, dir), () => undefined) : undefined;
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
      const builds = await buildsOf(r, text, progress).catch((err: unknown) => {
        if (err instanceof ComposePlanError) return undefined;
        throw err;
      });
      // A project the wrapper cannot plan (no such service, say) is compose's to run, and to refuse.
      if (!builds) return undefined;
      bake = await startBake(cfg, r, builds, progress, dir);
      ended = bake ? await bake.finish() : await buildEach(cfg, r, builds, dir);
    }
    if (ended.signal) return ended;
    if (ended.code !== 0) return { ...ended, code: await failureCode(cfg, r, ended.code) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (c.sub === 'build') return SUCCESS;
  return runChild(cfg.realDocker, [...r.docker.globals, 'compose', ...withoutBuild(c)]);
}
