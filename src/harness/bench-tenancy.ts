// What `project` tenancy costs against `shared`, on the real stack: starting a desktop of a project
// that has no builder yet, the first build of a second project of the same code (which under `shared`
// reuses the first project's work, and under `project` builds cold), and each BuildKit's memory when
// idle. The same Dockerfile (new work at every run of the bench) is built in both modes.
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { containerInfo } from '../host/engine.js';
import { loadHostConfig, type HostConfig } from '../host/host-config.js';
import { sandboxUp, type SandboxDeps } from '../host/sandbox.js';
import { execInSession, removeSession, startSession } from '../host/session.js';
import { timed } from './timed.js';
import { removeProjectBuilder } from '../host/project-builder.js';
import { builderFor } from '../host/tenancy.js';

export interface TenancyRow {
  case: string;
  shared: number;
  project: number;
  unit: 'ms' | 'MiB' | 'builders';
}

/** A container's memory as `docker stats` shows it: usage less the page cache it could give back. */
async function memoryMiB(d: SandboxDeps, name: string): Promise<number> {
  const s = (await d.engine.getContainer(name).stats({ stream: false })) as { memory_stats: { usage?: number; stats?: Record<string, number> } };
  const cache = s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.total_inactive_file ?? 0;
  return ((s.memory_stats.usage ?? 0) - cache) / 1024 / 1024;
}

interface ModeResult {
  sessionStartMs: number;
  firstBuildMs: number;
  secondProjectBuildMs: number;
  idleFreshMiB: number;
  idleAfterBuildMiB: number;
  builders: number;
}

async function measureMode(d: SandboxDeps, cfg: HostConfig, ctx: string, tag: string): Promise<ModeResult> {
  const deps = { ...d, cfg };
  await sandboxUp(deps);
  const pa = `bench-${tag}-a-${process.pid}`;
  const pb = `bench-${tag}-b-${process.pid}`;
  const ids = [`${pa}-s`, `${pb}-s`];
  const build = async (id: string) => {
    const r = await execInSession(d.engine, id, 'cd /ctx && docker build -q -t bench/tenancy:1 .');
    if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `bench build in ${id}: ${r.stderr.trim().split('\n').pop()}`);
  };
  try {
    const sessionStartMs = await timed(() => startSession(d.engine, cfg, { id: ids[0] as string, project: pa, binds: [`${ctx}:/ctx:ro`] }));
    const builder = builderFor(cfg, pa).name;
    const idleFreshMiB = await memoryMiB(d, builder);
    const firstBuildMs = await timed(() => build(ids[0] as string));
    await startSession(d.engine, cfg, { id: ids[1] as string, project: pb, binds: [`${ctx}:/ctx:ro`] });
    const secondProjectBuildMs = await timed(() => build(ids[1] as string));
    // Idle again: what a builder holds between builds, its cache on disk.
    await new Promise((r) => setTimeout(r, 3000));
    const idleAfterBuildMiB = await memoryMiB(d, builder);
    const names = new Set([builder, builderFor(cfg, pb).name]);
    let builders = 0;
    for (const n of names) if ((await containerInfo(d.engine, n))?.State.Running) builders++;
    return { sessionStartMs, firstBuildMs, secondProjectBuildMs, idleFreshMiB, idleAfterBuildMiB, builders };
  } finally {
    for (const id of ids) await removeSession(d.engine, cfg, id);
    if (cfg.tenancy === 'project') for (const p of [pa, pb]) await removeProjectBuilder(deps, p, true);
  }
}

/** Runs the bench; the sandbox is left under the host's own tenancy. */
export async function runTenancyBench(d: SandboxDeps): Promise<TenancyRow[]> {
  const ctx = await mkdtemp(join(tmpdir(), 'helix-bench-tenancy-'));
  await chmod(ctx, 0o755);
  // Work a cache can save, new at each run and in each mode: CPU, then a layer of 64 MB to export and land.
  const dockerfile = (mode: string) =>
    writeFile(join(ctx, 'Dockerfile'), `FROM busybox:stable\nRUN echo ${mode}-${Date.now()} > /mark && i=0; while [ $i -lt 2000000 ]; do i=$((i+1)); done\nRUN head -c 64000000 /dev/urandom > /blob\n`);
  try {
    await dockerfile('shared');
    const shared = await measureMode(d, loadHostConfig({ ...process.env, HELIX_TENANCY: 'shared' }), ctx, 'sh');
    await dockerfile('project');
    const project = await measureMode(d, loadHostConfig({ ...process.env, HELIX_TENANCY: 'project' }), ctx, 'pr');
    return [
      { case: "desktop start, project's first", shared: shared.sessionStartMs, project: project.sessionStartMs, unit: 'ms' },
      { case: 'first build, project A (cold)', shared: shared.firstBuildMs, project: project.firstBuildMs, unit: 'ms' },
      { case: 'first build, project B, same code', shared: shared.secondProjectBuildMs, project: project.secondProjectBuildMs, unit: 'ms' },
      { case: 'BuildKit memory, idle before builds', shared: shared.idleFreshMiB, project: project.idleFreshMiB, unit: 'MiB' },
      { case: 'BuildKit memory, idle after builds', shared: shared.idleAfterBuildMiB, project: project.idleAfterBuildMiB, unit: 'MiB' },
      { case: 'builders running for 2 projects', shared: shared.builders, project: project.builders, unit: 'builders' },
    ];
  } finally {
    await rm(ctx, { recursive: true, force: true });
    await sandboxUp(d);
  }
}
