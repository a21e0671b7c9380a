// Compose services built in one bake on the shared builder, each kept in BuildKit's store for the
// facade (or pushed by digest), then each image brought to the daemon by the smart path's cheapest way.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolkitConfig } from '../../lib/config.js';
import { runPlugin } from '../read/cli-plugin.js';
import type { ChildResult } from '../child.js';
import { withFlags } from '../read/build-flags.js';
import { bakeDefinition } from '../plan/compose-bake.js';
import { localBaseContexts } from './local-bases.js';
import type { ServiceBuild } from '../plan/compose-plan.js';
import { servicePlan, SUCCESS, type ComposeRun } from '../plan/compose-run.js';
import type { SmartBuild } from '../plan/plan.js';
import { probeSharedServices } from './reach.js';
import { landEarly, landFromFacade, landTargets, type BakeItem, type EarlyLanding } from '../land/bake-land.js';
import { ExportWatcher, type FinishedExport } from './export-watch.js';
import { ImageLander } from '../land/image-lander.js';
import { buildxBake, keepOutput, pushOutput, solveEnv, SOLVE_FLAGS } from './buildx-invocation.js';
import { indexFile, recordTransfers } from '../land/transfer-index.js';
import { transferRepository } from '../land/transfer.js';

export interface Bake {
  /** Stops a bake that is not wanted: it has only kept or pushed images by digest. */
  cancel(): Promise<void>;
  /** Waits for the bake, then brings every image to the daemon: how the builds ended. */
  finish(): Promise<ChildResult>;
}

/**
 * Starts all services in one bake when both the shared BuildKit and the registry answer and every
 * build can be said in bake terms; undefined otherwise, and the services build one by one.
 */
export async function startBake(cfg: ToolkitConfig, r: ComposeRun, builds: ServiceBuild[], progress: string | undefined, dir: string): Promise<Bake | undefined> {
  const smart: Array<{ s: ServiceBuild; b: SmartBuild }> = [];
  for (const s of builds) {
    const plan = servicePlan(r, s);
    if (plan.kind !== 'smart') return undefined;
    smart.push({ s, b: plan.build });
  }
  if (!smart.length) return undefined;
  const { buildkitUp, registryUp, facadeUp } = await probeSharedServices(cfg);
  if (!buildkitUp || !registryUp) return undefined;
  const items = await Promise.all(
    smart.map(async ({ s, b }) => {
      const lander = new ImageLander(b, cfg);
      // Another service's image comes from its target, not from the daemon.
      const bases = await localBaseContexts(lander.bases(), b.build, s.needs.map((n) => n.ref), s.inlineDockerfile);
      return { s, b, build: withFlags(b.build, bases), repo: transferRepository(cfg.registry, b.project, b.tags), lander };
    }),
  );
  const facade = landFromFacade(items, facadeUp);
  const definition = (output: (repo: string) => string) =>
    bakeDefinition(
      items.map((i) => ({ service: i.s.service, build: i.build, inlineDockerfile: i.s.inlineDockerfile, needs: i.s.needs, output: output(i.repo) })),
      process.env,
    );
  const def = definition((repo) => (facade ? keepOutput(cfg, repo) : pushOutput(cfg, repo)));
  if ('unsupported' in def) return undefined;
  const bakeDir = await mkdtemp(join(dir, 'bake-'));
  const landing: BakeItem[] = items.map((i) => ({ target: i.s.service, lander: i.lander, repo: i.repo, ids: i.lander.localIds() }));
  const started = Date.now();
  const via = facade ? 'facade' : 'registry';
  // A target whose export finished lands while the others still build, once finish() says the bake is
  // wanted (a bake started on a cached project may yet be cancelled); the metadata file has the last word.
  const early = new Map<string, Promise<EarlyLanding | undefined>>();
  const exported: FinishedExport[] = [];
  let wanted = false;
  const startLanding = (f: FinishedExport) => {
    const item = landing.find((l) => l.target === f.target);
    if (item && !early.has(f.target)) early.set(f.target, landEarly(item, f.digests, via));
  };
  const watcher = new ExportWatcher();
  const onLine = (line: string) => {
    const f = watcher.push(line);
    if (f) (wanted ? startLanding(f) : exported.push(f));
  };
  // Contexts and secrets are wherever compose found them, as they are for the builds compose runs;
  // the metadata file is ours and needs the digests only, not the provenance buildx asks BuildKit for.
  const env = solveEnv(false, process.env, { BUILDX_BAKE_ENTITLEMENTS_FS: '0' });
  const run = async (name: string, d: typeof def.definition, shown: boolean, signal?: AbortSignal) => {
    const file = join(bakeDir, `${name}.json`);
    const meta = join(bakeDir, `${name}-metadata.json`);
    await writeFile(file, JSON.stringify(d));
    const argv = buildxBake(r.docker.globals, r.builder, [...SOLVE_FLAGS, `--file=${file}`, `--metadata-file=${meta}`, ...(shown && progress ? [`--progress=${progress}`] : [])]);
    return { meta, build: await runPlugin('buildx', cfg.realDocker, items[0]?.b.configDir, argv, { env, signal, stderr: shown ? 'compose' : 'ignore', ...(shown ? { onLine } : {}) }) };
  };
  const abort = new AbortController();
  const done = run('bake', def.definition, true, abort.signal);
  const cancel = async () => {
    abort.abort();
    await done.catch(() => undefined);
  };
  const pushAgain = async () => {
    const pushing = definition((repo) => pushOutput(cfg, repo));
    if ('unsupported' in pushing) return undefined;
    const again = await run('bake-push', pushing.definition, false);
    return again.build.code === 0 && !again.build.signal ? again.meta : undefined;
  };
  const finish = async (): Promise<ChildResult> => {
    wanted = true;
    exported.forEach(startLanding);
    const { build, meta } = await done;
    if (build.code !== 0 || build.signal) {
      // What finished before the failure is in the daemon, as a bake loading each target leaves it.
      await Promise.all(early.values());
      return build;
    }
    const landed = await landTargets(cfg, landing, build, meta, started, facade ? { via: 'facade', pushAgain } : { via: 'registry' }, early);
    await recordTransfers(indexFile(cfg), Object.fromEntries(items.flatMap((i) => { const ref = landed.get(i.s.service)?.transferRef; return ref ? [[i.s.image, ref]] : []; })));
    return SUCCESS;
  };
  return { cancel, finish };
}
