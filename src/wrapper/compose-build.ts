// Runs `docker compose build`, `up --build` and `run --build` through the smart path: all services in
// one bake on the shared builder (or, where one bake cannot do, one buildx build per service in
// dependency order), each image then reaching the daemon by the smart path's cheapest way; then the
// original command runs without building.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ToolkitConfig } from '../lib/config.js';
import { runBuildx } from './buildx-plugin.js';
import { runChild, type ChildResult } from './child.js';
import { flag, optAll, withoutBuild, type ComposeArgv } from './compose-argv.js';
import { dockerfileRefs, planComposeBuilds, type ComposeProject, type ServiceBuild } from './compose-plan.js';
import { bakeDefinition } from './compose-bake.js';
import { composeBuildFailureCode } from './compose-exit.js';
import { appendEvent, buildEvent } from './events.js';
import { decide, type Plan } from './plan.js';
import { canConnect } from './reach.js';
import { digestsOf, pushOutput, runSmartBuild, Session, statusLine } from './smart-build.js';
import { cacheProject, projectCacheFile, readCachedProject } from './project-cache.js';
import { indexFile, readTransferIndex, recordTransfers } from './transfer-index.js';
import { transferRepository } from './transfer.js';

const SUCCESS: ChildResult = { code: 0, signal: null, stdout: '' };

export interface ComposeRun {
  globals: string[];
  compose: ComposeArgv;
  builder: string;
}

/** The project as compose reads it now (`config --format json`), or undefined if compose cannot. */
async function loadProjectText(cfg: ToolkitConfig, r: ComposeRun): Promise<string | undefined> {
  const out = await runChild(cfg.realDocker, [...r.globals, 'compose', ...r.compose.globals, 'config', '--format', 'json'], {
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

/** Builds one service; returns its exit and the registry reference dependents can build FROM. */
async function buildService(cfg: ToolkitConfig, r: ComposeRun, s: ServiceBuild, transfer: ReadonlyMap<string, string>, dir: string): Promise<ChildResult & { transferRef?: string }> {
  const extra: string[] = [];
  if (s.inlineDockerfile !== undefined) {
    const f = join(dir, `${s.service}.Dockerfile`);
    await writeFile(f, s.inlineDockerfile);
    extra.push(`--file=${f}`);
  }
  for (const n of s.needs) {
    const ref = transfer.get(n.service);
    if (ref) extra.push(`--build-context=${n.ref}=docker-image://${ref}`);
    else process.stderr.write(`helix: warning: ${n.service}'s image is not in the registry; ${s.service} may not find ${n.ref}\n`);
  }
  const plan = smartPlanOf(cfg, r, s, extra);
  if (plan.kind === 'buildx') return runBuildx(cfg.realDocker, plan.configDir, plan.argv);
  if (plan.kind !== 'smart') throw new Error(`service ${s.service}: cannot plan its build (${plan.kind === 'passthrough' ? plan.reason : plan.kind})`);
  const result = await runSmartBuild(plan.build, cfg);
  if (result.warning) process.stderr.write(`helix: warning: ${result.warning}\n`);
  process.stderr.write(`${statusLine(plan.build, result).replace('helix: ', `helix: [${s.service}] `)}\n`);
  await appendEvent(cfg.eventsFile, buildEvent(plan.build, result, s.service));
  return { ...result.build, transferRef: result.transferRef };
}

/**
 * Services one by one, for when one bake cannot do: each starts as soon as the builds it needs are
 * done, or at once on the references those images were last moved by; such a guess is checked when
 * they are done, and the build runs again on their real references if it was wrong. A failed build's
 * dependents do not run.
 */
async function buildEach(cfg: ToolkitConfig, r: ComposeRun, builds: ServiceBuild[], dir: string): Promise<ChildResult> {
  const index = await readTransferIndex(indexFile(cfg));
  const transfer = new Map<string, string>();
  const byName = new Map(builds.map((s) => [s.service, s]));
  const runs = new Map<string, Promise<ChildResult | undefined>>();
  const ok = (d: ChildResult | undefined) => d !== undefined && d.code === 0 && !d.signal;
  const start = (s: ServiceBuild): Promise<ChildResult | undefined> => {
    let p = runs.get(s.service);
    if (!p) {
      p = (async () => {
        const deps = Promise.all(s.needs.map((n) => start(byName.get(n.service) as ServiceBuild)));
        const guess = new Map(s.needs.map((n) => [n.service, index[byName.get(n.service)?.image ?? '']] as const));
        let res: (ChildResult & { transferRef?: string }) | undefined;
        if (s.needs.length && [...guess.values()].every(Boolean)) {
          res = await buildService(cfg, r, s, guess as Map<string, string>, dir);
          if (!(await deps).every(ok)) return undefined;
          if (s.needs.some((n) => transfer.get(n.service) !== guess.get(n.service))) res = undefined;
        } else if (!(await deps).every(ok)) return undefined;
        res ??= await buildService(cfg, r, s, transfer, dir);
        if (res.transferRef) transfer.set(s.service, res.transferRef);
        return res;
      })();
      runs.set(s.service, p);
    }
    return p;
  };
  const results = await Promise.all(builds.map(start));
  await recordTransfers(indexFile(cfg), Object.fromEntries([...transfer].map(([svc, ref]) => [byName.get(svc)?.image as string, ref])));
  return results.find((res) => res !== undefined && (res.code !== 0 || res.signal)) ?? SUCCESS;
}

/** The smart plan of one service's build, or undefined when it has to build some other way. */
function smartPlanOf(cfg: ToolkitConfig, r: ComposeRun, s: ServiceBuild, extra: string[] = []): Plan {
  // The builder is named on the line; the environment still carries HELIX_PROJECT.
  return decide([...r.globals, 'buildx', 'build', '--builder', r.builder, ...extra, ...s.args], process.env, cfg);
}

interface Bake {
  /** Stops a bake that is not wanted: it has only pushed to the registry, by digest. */
  cancel(): Promise<void>;
  /** Waits for the bake, then brings every image to the daemon: how the builds ended. */
  finish(): Promise<ChildResult>;
}

/**
 * Starts all services in one bake when both the shared BuildKit and the registry answer and every
 * build can be said in bake terms; undefined otherwise, and the services build one by one.
 */
async function startBake(cfg: ToolkitConfig, r: ComposeRun, builds: ServiceBuild[], progress: string | undefined, dir: string): Promise<Bake | undefined> {
  const plans = builds.map((s) => ({ s, plan: smartPlanOf(cfg, r, s) }));
  if (!plans.length || !plans.every((p) => p.plan.kind === 'smart')) return undefined;
  const [buildkitUp, registryUp] = await Promise.all([canConnect(cfg.buildkitHost, 1234), canConnect(cfg.registry, 5000)]);
  if (!buildkitUp || !registryUp) return undefined;
  const items = plans.map(({ s, plan }) => {
    const b = (plan as Extract<Plan, { kind: 'smart' }>).build;
    return { s, b, repo: transferRepository(cfg.registry, b.project, b.tags), session: new Session(b, cfg, dir) };
  });
  const def = bakeDefinition(
    items.map((i) => ({ service: i.s.service, args: i.b.args, inlineDockerfile: i.s.inlineDockerfile, needs: i.s.needs, output: pushOutput(cfg, i.repo) })),
    process.env,
  );
  if ('unsupported' in def) return undefined;
  const bakeDir = await mkdtemp(join(dir, 'bake-'));
  const file = join(bakeDir, 'bake.json');
  const meta = join(bakeDir, 'metadata.json');
  await writeFile(file, JSON.stringify(def.definition));
  const ids = items.map((i) => i.session.localIds());
  const started = Date.now();
  const argv = [...r.globals, 'buildx', 'bake', '--builder', r.builder, '--provenance=false', `--file=${file}`, `--metadata-file=${meta}`];
  if (progress) argv.push(`--progress=${progress}`);
  if (Object.values(def.definition.target).some((t) => t.network === 'host')) argv.push('--allow=network.host');
  // Contexts and secrets are wherever compose found them, as they are for the builds compose runs.
  const abort = new AbortController();
  const done = runBuildx(cfg.realDocker, items[0]?.b.configDir, argv, { env: { ...process.env, BUILDX_BAKE_ENTITLEMENTS_FS: '0' }, signal: abort.signal });
  const cancel = async () => {
    abort.abort();
    await done;
  };
  const finish = async (): Promise<ChildResult> => {
    const build = await done;
    if (build.code !== 0 || build.signal) return build;
    const m = JSON.parse(await readFile(meta, 'utf8')) as Record<string, Record<string, unknown>>;
    const landed = await Promise.all(
      items.map(async (i, n) => {
        const got = await i.session.landPushed(i.repo, digestsOf(m[i.s.service] ?? {}, `bake metadata of ${i.s.service}`), ids[n] as Promise<Map<string, string | undefined>>);
        const result = { build, ...got, ms: Date.now() - started };
        process.stderr.write(`${statusLine(i.b, result).replace('helix: ', `helix: [${i.s.service}] `)}\n`);
        await appendEvent(cfg.eventsFile, buildEvent(i.b, result, i.s.service));
        return [i.s.image, got.transferRef as string] as const;
      }),
    );
    await recordTransfers(indexFile(cfg), Object.fromEntries(landed));
    return SUCCESS;
  };
  return { cancel, finish };
}

/** The code this compose exits with when a build failed; asked only then, it costs a compose start. */
async function failureCode(cfg: ToolkitConfig, r: ComposeRun, buildCode: number): Promise<number> {
  const v = await runChild(cfg.realDocker, [...r.globals, 'compose', 'version', '--short'], { stdout: 'capture', stderr: 'ignore', stdin: 'ignore' });
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
      buildArgs: optAll(c, '--build-arg'),
      noCache: flag(c, '--no-cache'),
      pull: c.sub === 'build' && flag(c, '--pull'),
      ssh: optAll(c, '--ssh'),
      progress,
      withDependencies: c.sub === 'build' ? flag(c, '--with-dependencies') : !flag(c, '--no-deps'),
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
  const quiet = c.sub === 'build' && flag(c, '--quiet');
  const progress = quiet ? 'quiet' : c.globalOpts.filter((o) => o.name === '--progress').pop()?.value;
  const cacheFile = projectCacheFile(cfg, JSON.stringify([process.cwd(), r.globals, c.words]));
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
    const builds = await buildsOf(r, text, progress);
    bake ??= await startBake(cfg, r, builds, progress, dir);
    const ended = bake ? await bake.finish() : await buildEach(cfg, r, builds, dir);
    if (ended.signal) return ended;
    if (ended.code !== 0) return { ...ended, code: await failureCode(cfg, r, ended.code) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (c.sub === 'build') return SUCCESS;
  return runChild(cfg.realDocker, [...r.globals, 'compose', ...withoutBuild(c)]);
}
