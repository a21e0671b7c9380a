// The harness's `helix` commands: the main job (demo) and the benches. Each prints a table and writes
// its JSON to .helix/.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { HelixError } from '../lib/errors.js';
import type { Command } from '../host/commands/command.js';
import { checkTargets, runLoadBench, type BenchRow } from './bench-load.js';
import { restoreTargets, runRestoreBench } from './bench-restore.js';
import { runTenancyBench } from './bench-tenancy.js';
import { runIsolationBench } from './bench-isolation.js';
import { sandboxUp } from '../host/sandbox.js';
import { FULL_SCALE, runMainJob, SMALL_SCALE, type SampleScale } from './main-job.js';

/** The sample's sizes: the full picture, and a quick one for tests. */
const SCALES: Record<string, SampleScale> = { full: FULL_SCALE, small: SMALL_SCALE };

async function writeResult(name: string, data: unknown): Promise<string> {
  const file = resolve(`.helix/${name}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), ...(data as object) }, null, 2)}\n`);
  return file;
}

const targetLines = (ts: ReadonlyArray<{ ok: boolean; info?: boolean; target: string; value: string }>) =>
  ts.map((t) => `${t.info ? 'info' : t.ok ? 'ok  ' : 'MISS'} ${t.target}: ${t.value}`).join('\n');

function benchTable(rows: readonly BenchRow[]): string {
  const width = Math.max(...rows.map((r) => r.case.length));
  const value = (r: BenchRow) => (r.bytes !== undefined ? `${(r.bytes / 1e6).toFixed(1).padStart(9)} MB` : `${r.medianMs.toFixed(r.medianMs < 100 ? 1 : 0).padStart(9)} ms`);
  const lines = rows.map((r) => `${r.case.padEnd(width)} ${(r.sizeGb === undefined ? '' : `${r.sizeGb} GB`).padEnd(6)} ${value(r)}`);
  return [`${'case'.padEnd(width)} ${'size'.padEnd(6)} ${'median'.padStart(12)}`, ...lines].join('\n');
}

export const demo: Command = {
  usage: [
    '  demo [--scale full|small] [--concurrent 4]',
    '                                  the main job on samples/stack: plain docker vs the toolkit, cold,',
    '                                  warm, golden, a one-line change, sessions at once; writes',
    '                                  .helix/main-job.json and .helix/main-job.svg',
  ].join('\n'),
  async run({ flags }, d) {
    const scale = SCALES[flags.scale];
    if (!scale) throw new HelixError('BAD_FLAG', `helix demo: unknown --scale ${JSON.stringify(flags.scale)}`, `use ${Object.keys(SCALES).join(' or ')}`);
    const concurrent = Number(flags.concurrent);
    if (!Number.isInteger(concurrent) || concurrent < 1) throw new HelixError('BAD_FLAG', `helix demo: --concurrent must be a positive integer, not ${JSON.stringify(flags.concurrent)}`);
    const r = await runMainJob(d, { sampleDir: resolve(flags.sample ?? 'samples/stack'), outDir: resolve('.helix'), scale, concurrent });
    process.stdout.write(`\n${r.table}\n\n${r.targets}\n\nresults: ${r.files.json}\nchart:   ${r.files.svg}\n`);
    return r.digests.every((c) => c.ok) ? 0 : 1;
  },
};

export const bench: Command = {
  usage: [
    '  bench [load] [--sizes 1,4] [--layers 40] [--repeats 3]',
    '                                  the load-path bench: prints a table, writes .helix/bench-load.json',
    '  bench restore [--files 100000] [--mb 1024]',
    '                                  golden restore methods side by side: writes .helix/bench-restore.json',
    '  bench tenancy                   what HELIX_TENANCY=project costs against shared: writes .helix/bench-tenancy.json',
    '  bench isolation                 what HELIX_ISOLATION=unprivileged costs against privileged: writes .helix/bench-isolation.json',
  ].join('\n'),
  async run({ sub, flags }, d) {
    if (sub === 'tenancy') {
      const rows = await runTenancyBench(d);
      const file = await writeResult('bench-tenancy', { rows });
      const num = (v: number, unit: string) => (unit === 'ms' ? `${(v / 1000).toFixed(2)} s` : unit === 'MiB' ? `${v.toFixed(1)} MiB` : String(v)).padStart(12);
      const width = Math.max(...rows.map((r) => r.case.length));
      const table = rows.map((r) => `${r.case.padEnd(width)} ${num(r.shared, r.unit)} ${num(r.project, r.unit)}`).join('\n');
      process.stdout.write(`\n${'case'.padEnd(width)} ${'shared'.padStart(12)} ${'project'.padStart(12)}\n${table}\nresults: ${file}\n`);
      return 0;
    }
    if (sub === 'isolation') {
      const rows = await runIsolationBench(d);
      const file = await writeResult('bench-isolation', { rows });
      const width = Math.max(...rows.map((r) => r.case.length));
      const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(14);
      const table = rows.map((r) => `${r.case.padEnd(width)} ${sec(r.privileged)} ${sec(r.unprivileged)}`).join('\n');
      process.stdout.write(`\n${'case'.padEnd(width)} ${'privileged'.padStart(14)} ${'unprivileged'.padStart(14)}\n${table}\nresults: ${file}\n`);
      return 0;
    }
    if (sub === 'restore') {
      const files = Number(flags.files);
      const totalMb = Number(flags.mb);
      if (!(files >= 1) || !(totalMb >= 1)) throw new HelixError('BAD_FLAG', 'helix bench restore: --files and --mb take whole numbers');
      const rows = await runRestoreBench({ workDir: `${d.cfg.stateDir}/bench-restore`, files, totalMb, log: d.log });
      const targets = restoreTargets(rows);
      const file = await writeResult('bench-restore', { files, totalMb, rows, targets });
      const table = rows.map((r) => `${r.fs.padEnd(16)} ${r.method.padEnd(15)} ${(r.ms / 1000).toFixed(3).padStart(8)} s${r.chosen ? '  <- init uses' : ''}`).join('\n');
      process.stdout.write(`\n${'filesystem'.padEnd(16)} ${'method'.padEnd(15)} ${'time'.padStart(10)}\n${table}\n\n${targetLines(targets)}\nresults: ${file}\n`);
      return 0;
    }
    if (sub !== undefined && sub !== 'load') throw new HelixError('BAD_FLAG', `helix bench: unknown bench ${JSON.stringify(sub)}`, 'use load, restore, tenancy or isolation');
    const sizesGb = flags.sizes.split(',').map(Number);
    const layers = Number(flags.layers);
    const repeats = Number(flags.repeats);
    if (sizesGb.some((x) => !(x > 0)) || !(layers >= 1) || !(repeats >= 1)) {
      throw new HelixError('BAD_FLAG', 'helix bench: --sizes takes GB numbers like 1,4; --layers and --repeats whole numbers');
    }
    // As the main job: on a fresh machine (or after the stack was stopped) the sandbox starts here.
    await sandboxUp(d);
    const rows = await runLoadBench(d, { sizesGb, layers, repeats });
    const targets = checkTargets(rows);
    const file = await writeResult('bench-load', { layers, repeats, rows, targets });
    process.stdout.write(`\n${benchTable(rows)}\n\n${targetLines(targets)}\nresults: ${file}\n`);
    return 0;
  },
};
