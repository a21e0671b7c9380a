// Compose services built in one bake on the shared builder, each pushed by digest, then each image
// brought to the daemon by the smart path's cheapest way.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolkitConfig } from '../lib/config.js';
import { runBuildx } from './buildx-plugin.js';
import type { ChildResult } from './child.js';
import { withFlags } from './build-flags.js';
import { bakeDefinition } from './compose-bake.js';
import { localBaseContexts } from './local-bases.js';
import type { ServiceBuild } from './compose-plan.js';
import { servicePlan, SUCCESS, type ComposeRun } from './compose-run.js';
import type { SmartBuild } from './plan.js';
import { probeSharedServices } from './reach.js';
import { landTargets, type BakeItem } from './bake-land.js';
import { pushOutput, Session } from './smart-build.js';
import { indexFile, recordTransfers } from './transfer-index.js';
import { transferRepository } from './transfer.js';

export interface Bake {
  /** Stops a bake that is not wanted: it has only pushed to the registry, by digest. */
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
  const { buildkitUp, registryUp } = await probeSharedServices(cfg);
  if (!buildkitUp || !registryUp) return undefined;
  const items = await Promise.all(
    smart.map(async ({ s, b }) => {
      const session = new Session(b, cfg, dir);
      // Another service's image comes from its target, not from the daemon.
      const bases = await localBaseContexts(session.bases(), b.build, s.needs.map((n) => n.ref), s.inlineDockerfile);
      return { s, b, build: withFlags(b.build, bases), repo: transferRepository(cfg.registry, b.project, b.tags), session };
    }),
  );
  const def = bakeDefinition(
    items.map((i) => ({ service: i.s.service, build: i.build, inlineDockerfile: i.s.inlineDockerfile, needs: i.s.needs, output: pushOutput(cfg, i.repo) })),
    process.env,
  );
  if ('unsupported' in def) return undefined;
  const bakeDir = await mkdtemp(join(dir, 'bake-'));
  const file = join(bakeDir, 'bake.json');
  const meta = join(bakeDir, 'metadata.json');
  await writeFile(file, JSON.stringify(def.definition));
  const landing: BakeItem[] = items.map((i) => ({ target: i.s.service, session: i.session, repo: i.repo, ids: i.session.localIds() }));
  const started = Date.now();
  const argv = [...r.docker.globals, 'buildx', 'bake', '--builder', r.builder, '--provenance=false', `--file=${file}`, `--metadata-file=${meta}`];
  if (progress) argv.push(`--progress=${progress}`);
  if (Object.values(def.definition.target).some((t) => t.network === 'host')) argv.push('--allow=network.host');
  // Contexts and secrets are wherever compose found them, as they are for the builds compose runs;
  // the metadata file is ours and needs the digests only, not the provenance buildx asks BuildKit for.
  const env = { ...process.env, BUILDX_BAKE_ENTITLEMENTS_FS: '0', BUILDX_METADATA_PROVENANCE: 'disabled' };
  const abort = new AbortController();
  const done = runBuildx(cfg.realDocker, items[0]?.b.configDir, argv, { env, signal: abort.signal, stderr: 'compose' });
  const cancel = async () => {
    abort.abort();
    await done;
  };
  const finish = async (): Promise<ChildResult> => {
    const build = await done;
    if (build.code !== 0 || build.signal) return build;
    const landed = await landTargets(cfg, landing, build, meta, started);
    await recordTransfers(indexFile(cfg), Object.fromEntries(items.map((i) => [i.s.image, landed.get(i.s.service) as string])));
    return SUCCESS;
  };
  return { cancel, finish };
}
