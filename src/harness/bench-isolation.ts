// What HELIX_ISOLATION=unprivileged costs against privileged, on the real stack, in one run: starting a
// session, a build through the wrapper (new work in each mode, landed in the session's daemon), a
// container run, and a session started from a golden with its image there. The golden is built once
// (privileged) and restored in both modes: what it holds is owned on disk the same way in each.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { GoldenBuilder } from '../host/golden-build.js';
import { GoldenStore } from '../host/golden-store.js';
import { loadHostConfig, type HostConfig } from '../host/host-config.js';
import { sandboxUp, type SandboxDeps } from '../host/sandbox.js';
import { execInSession, removeSession, startSession } from '../host/session.js';
import { timed } from './timed.js';

export interface IsolationRow {
  case: string;
  privileged: number;
  unprivileged: number;
}

async function inSession(d: SandboxDeps, id: string, script: string): Promise<void> {
  const r = await execInSession(d.engine, id, script);
  if (r.exitCode !== 0) throw new HelixError('COMMAND_FAILED', `bench in ${id}: ${script}: ${r.stderr.trim().split('\n').pop()}`);
}

interface ModeResult {
  startMs: number;
  buildMs: number;
  runMs: number;
  goldenStartMs: number;
  goldenImageMs: number;
}

async function measureMode(d: SandboxDeps, cfg: HostConfig, ctx: string, golden: { dir: string; id: string; project: string }, tag: string): Promise<ModeResult> {
  const id = `bench-iso-${tag}-${process.pid}`;
  const gid = `${id}-g`;
  try {
    const startMs = await timed(() => startSession(d.engine, cfg, { id, binds: [`${ctx}:/ctx:ro`] }));
    const buildMs = await timed(() => inSession(d, id, `docker build -q --build-arg MODE=${tag}-${Date.now()} -t bench/iso:1 /ctx`));
    const runMs = await timed(() => inSession(d, id, 'docker run --rm bench/iso:1 true'));
    const goldenStartMs = await timed(() => startSession(d.engine, cfg, { id: gid, project: golden.project, golden: { dir: golden.dir, id: golden.id } }));
    const goldenImageMs = await timed(() => inSession(d, gid, `docker run --rm ${golden.project}/app:1 true`));
    return { startMs, buildMs, runMs, goldenStartMs, goldenImageMs };
  } finally {
    await removeSession(d.engine, cfg, id);
    await removeSession(d.engine, cfg, gid);
  }
}

/** Runs the bench; the sandbox is left as the host's configuration has it. */
export async function runIsolationBench(d: SandboxDeps): Promise<IsolationRow[]> {
  const ctx = await mkdtemp(join(tmpdir(), 'helix-bench-isolation-'));
  await chmod(ctx, 0o755);
  const project = `bench-iso-${process.pid}`;
  const store = new GoldenStore(`${d.cfg.stateDir}/goldens`);
  const projectFile = join(d.cfg.stateDir, 'projects', `${project}.json`);
  // Work a cache can save, new in each mode: CPU, then a layer of 64 MB to export and land.
  await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox:stable\nARG MODE\nRUN echo $MODE > /mark && i=0; while [ $i -lt 2000000 ]; do i=$((i+1)); done\nRUN head -c 64000000 /dev/urandom > /blob\n');
  await writeFile(join(ctx, 'startup.sh'), `set -e\ncd /ctx && docker build -q --build-arg MODE=golden-${Date.now()} -t ${project}/app:1 .\n`);
  try {
    await mkdir(join(d.cfg.stateDir, 'projects'), { recursive: true });
    await writeFile(projectFile, JSON.stringify({ startupScript: join(ctx, 'startup.sh'), binds: [`${ctx}:/ctx:ro`], timeoutMinutes: 10 }));
    const privileged = loadHostConfig({ ...process.env, HELIX_ISOLATION: 'privileged' });
    const unprivileged = loadHostConfig({ ...process.env, HELIX_ISOLATION: 'unprivileged' });
    await sandboxUp({ ...d, cfg: privileged });
    if ((await new GoldenBuilder({ ...d, cfg: privileged }, store).trigger(project)) !== 'built') throw new HelixError('COMMAND_FAILED', `bench golden build of ${project} failed`, `see helix golden status ${project}`);
    const current = await store.current(project);
    if (!current) throw new HelixError('COMMAND_FAILED', `bench golden of ${project} is missing`);
    const golden = { dir: current.dir, id: `${project}/gen-${current.meta.generation}`, project };
    const p = await measureMode(d, privileged, ctx, golden, 'priv');
    const u = await measureMode(d, unprivileged, ctx, golden, 'unpriv');
    return [
      { case: 'session start', privileged: p.startMs, unprivileged: u.startMs },
      { case: 'build through the wrapper (cold), landed', privileged: p.buildMs, unprivileged: u.buildMs },
      { case: 'docker run --rm (a container run)', privileged: p.runMs, unprivileged: u.runMs },
      { case: 'session start from a golden', privileged: p.goldenStartMs, unprivileged: u.goldenStartMs },
      { case: "the golden's image run in it", privileged: p.goldenImageMs, unprivileged: u.goldenImageMs },
    ];
  } finally {
    await rm(store.projectDir(project), { recursive: true, force: true });
    await rm(projectFile, { force: true });
    await rm(ctx, { recursive: true, force: true });
  }
}
