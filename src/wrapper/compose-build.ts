// Runs `docker compose build`, `up --build` and `run --build` through the smart path: every service
// is built by an ordinary buildx build on the shared builder, in dependency order (independent
// services in parallel), then the original command runs without building.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ToolkitConfig } from '../lib/config.js';
import { runBuildx } from './buildx-plugin.js';
import { runChild, type ChildResult } from './child.js';
import { flag, optAll, withoutBuild, type ComposeArgv } from './compose-argv.js';
import { dockerfileRefs, planComposeBuilds, type ComposeProject, type ServiceBuild } from './compose-plan.js';
import { appendEvent, buildEvent } from './events.js';
import { decide } from './plan.js';
import { indexFile, readTransferIndex, recordTransfers } from './transfer-index.js';
import { runSmartBuild, statusLine } from './smart-build.js';

export interface ComposeRun {
  globals: string[];
  compose: ComposeArgv;
  builder: string;
}

async function loadProject(cfg: ToolkitConfig, r: ComposeRun): Promise<ComposeProject | undefined> {
  const out = await runChild(cfg.realDocker, [...r.globals, 'compose', ...r.compose.globals, 'config', '--format', 'json'], {
    stdout: 'capture',
    stderr: 'ignore',
    stdin: 'ignore',
  });
  return out.code === 0 ? (JSON.parse(out.stdout) as ComposeProject) : undefined;
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
  const argv = [...r.globals, 'buildx', 'build', '--builder', r.builder, ...extra, ...s.args];
  // The builder is named on the line; the environment still carries HELIX_PROJECT.
  const plan = decide(argv, process.env, cfg);
  if (plan.kind === 'buildx') return runBuildx(cfg.realDocker, plan.configDir, plan.argv);
  if (plan.kind !== 'smart') throw new Error(`service ${s.service}: cannot plan its build (${plan.kind === 'passthrough' ? plan.reason : plan.kind})`);
  const result = await runSmartBuild(plan.build, cfg);
  if (result.warning) process.stderr.write(`helix: warning: ${result.warning}\n`);
  process.stderr.write(`${statusLine(plan.build, result).replace('helix: ', `helix: [${s.service}] `)}\n`);
  await appendEvent(cfg.eventsFile, buildEvent(plan.build, result, s.service));
  return { ...result.build, transferRef: result.transferRef };
}

/** Returns how the wrapper should end, or undefined to hand the line to the real docker unchanged. */
export async function runComposeBuilds(cfg: ToolkitConfig, r: ComposeRun): Promise<ChildResult | undefined> {
  const c = r.compose;
  const project = await loadProject(cfg, r);
  if (!project) return undefined; // compose will print its own error
  const quiet = c.sub === 'build' && flag(c, '--quiet');
  const refs = await refsByService(project);
  const levels = planComposeBuilds(
    project,
    c.services,
    {
      buildArgs: optAll(c, '--build-arg'),
      noCache: flag(c, '--no-cache'),
      pull: c.sub === 'build' && flag(c, '--pull'),
      ssh: optAll(c, '--ssh'),
      progress: quiet ? 'quiet' : c.globalOpts.filter((o) => o.name === '--progress').pop()?.value,
      withDependencies: c.sub === 'build' ? flag(c, '--with-dependencies') : !flag(c, '--no-deps'),
    },
    (s) => refs.get(s) ?? [],
  );
  const dir = await mkdtemp(join(tmpdir(), 'helix-compose-'));
  try {
    // Each build starts as soon as the builds it needs are done, or at once on the references those
    // images were last moved by; such a guess is checked when they are done, and the build runs again
    // on their real references if it was wrong. A failed build's dependents do not run.
    const index = await readTransferIndex(indexFile(cfg));
    const transfer = new Map<string, string>();
    const byName = new Map(levels.flat().map((s) => [s.service, s]));
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
    const results = await Promise.all([...byName.values()].map(start));
    await recordTransfers(indexFile(cfg), Object.fromEntries([...transfer].map(([svc, ref]) => [byName.get(svc)?.image as string, ref])));
    const failed = results.find((res) => res !== undefined && (res.code !== 0 || res.signal));
    if (failed) return failed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (c.sub === 'build') return { code: 0, signal: null, stdout: '' };
  return runChild(cfg.realDocker, [...r.globals, 'compose', ...withoutBuild(c)]);
}
