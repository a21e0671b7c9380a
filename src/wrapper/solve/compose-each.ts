// Compose services built one by one, for projects one bake cannot express or when the registry is
// down: each service is an ordinary smart build, a dependent getting the other service's image from
// the registry as a named context.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolkitConfig } from '../../lib/config.js';
import { runPlugin } from '../read/cli-plugin.js';
import type { ChildResult } from '../child.js';
import type { ServiceBuild } from '../plan/compose-plan.js';
import { HelixError } from '../../lib/errors.js';
import type { Flag } from '../read/build-flags.js';
import { servicePlan, SUCCESS, type ComposeRun } from '../plan/compose-run.js';
import { reportBuild } from '../report/report.js';
import { runSmartBuild } from './smart-build.js';
import { indexFile, readTransferIndex, recordTransfers } from '../land/transfer-index.js';

/** Builds one service; returns its exit and the registry reference dependents can build FROM. */
async function buildService(cfg: ToolkitConfig, r: ComposeRun, s: ServiceBuild, transfer: ReadonlyMap<string, string>, dir: string): Promise<ChildResult & { transferRef?: string }> {
  const extra: Flag[] = [];
  if (s.inlineDockerfile !== undefined) {
    const f = join(dir, `${s.service}.Dockerfile`);
    await writeFile(f, s.inlineDockerfile);
    extra.push({ name: 'file', value: f });
  }
  for (const n of s.needs) {
    const ref = transfer.get(n.service);
    if (ref) extra.push({ name: 'build-context', value: `${n.ref}=docker-image://${ref}` });
    else process.stderr.write(`helix: warning: ${n.service}'s image is not in the registry; ${s.service} may not find ${n.ref}\n`);
  }
  const plan = servicePlan(r, s, extra);
  if (plan.kind === 'buildx') return runPlugin('buildx', cfg.realDocker, plan.configDir, plan.argv, { stderr: 'compose' });
  if (plan.kind !== 'smart') throw new HelixError('INTERNAL', `service ${s.service}: cannot plan its build (${plan.kind === 'passthrough' ? plan.reason : plan.kind})`);
  const result = await runSmartBuild(plan.build, cfg, 'compose', true);
  await reportBuild(cfg, plan.build, result, s.service);
  return { ...result.build, transferRef: result.transferRef };
}

/**
 * Services one by one, for when one bake cannot do: each starts as soon as the builds it needs are
 * done, or at once on the references those images were last moved by; such a guess is checked when
 * they are done, and the build runs again on their real references if it was wrong. A failed build's
 * dependents do not run.
 */
export async function buildEach(cfg: ToolkitConfig, r: ComposeRun, builds: ServiceBuild[], dir: string): Promise<ChildResult> {
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
