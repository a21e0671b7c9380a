// The main job: a local sandbox (shared BuildKit + registry), a cold build in session A, then the same
// build in a brand-new session B with an empty data-root, and a table of the timings.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { pruneBuildCache, sandboxUp, type SandboxDeps } from './sandbox.js';
import { buildInSession, type SessionBuild } from './session-build.js';
import { removeSession, startSession } from './session.js';

export interface MainJobOptions {
  sampleDir: string;
  resultFile: string;
  tag?: string;
}

export interface PhaseResult {
  phase: string;
  session: string;
  ms: number;
  steps: number;
  cached: number;
  status?: string;
}

function phase(name: string, session: string, b: SessionBuild): PhaseResult {
  if (b.exitCode !== 0) {
    throw new HelixError('COMMAND_FAILED', `${name} build in session ${session} exited ${b.exitCode}: ${b.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { phase: name, session, ms: b.ms, steps: b.report.steps.length, cached: b.report.cached.length, status: b.status };
}

export function renderTable(rows: readonly PhaseResult[]): string {
  const head = ['phase', 'session', 'time', 'steps cached', 'load'];
  const body = rows.map((r) => [r.phase, r.session, `${(r.ms / 1000).toFixed(1)}s`, `${r.cached}/${r.steps}`, r.status?.replace(/^helix: \S+ /, '') ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export async function runMainJob(d: SandboxDeps, o: MainJobOptions): Promise<PhaseResult[]> {
  const tag = o.tag ?? 'helix-sample/app:latest';
  const binds = [`${o.sampleDir}:/work/sample:ro`];
  await sandboxUp(d);
  d.log.info('emptying the shared BuildKit cache for an honest cold build');
  await pruneBuildCache(d);
  const rows: PhaseResult[] = [];
  for (const id of ['main-a', 'main-b']) await removeSession(d.engine, d.cfg, id);
  try {
    await startSession(d.engine, d.cfg, { id: 'main-a', binds });
    d.log.info('session A: cold build');
    rows.push(phase('cold', 'A', await buildInSession(d.engine, 'main-a', '/work/sample', tag)));
    await removeSession(d.engine, d.cfg, 'main-a');

    await startSession(d.engine, d.cfg, { id: 'main-b', binds });
    d.log.info('session B (new, empty data-root): same build');
    rows.push(phase('warm, new session', 'B', await buildInSession(d.engine, 'main-b', '/work/sample', tag)));
    rows.push(phase('rebuild, unchanged', 'B', await buildInSession(d.engine, 'main-b', '/work/sample', tag)));
  } finally {
    await removeSession(d.engine, d.cfg, 'main-a');
    await removeSession(d.engine, d.cfg, 'main-b');
  }
  await mkdir(dirname(o.resultFile), { recursive: true });
  await writeFile(o.resultFile, `${JSON.stringify({ date: new Date().toISOString(), phases: rows }, null, 2)}\n`);
  return rows;
}
