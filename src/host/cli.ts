// helix: the host-side command line. One top-level catch turns every failure into one line and a
// non-zero exit.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HelixError, oneLine } from '../lib/errors.js';
import { createLogger } from '../lib/log.js';
import { checkTargets, runLoadBench, type BenchRow } from './bench-load.js';
import { restoreTargets, runRestoreBench } from './bench-restore.js';
import { connectEngine } from './engine.js';
import { GoldenBuilder } from './golden-build.js';
import { GoldenStore } from './golden-store.js';
import { RunManager } from './run-sidecar.js';
import { serveTriggers } from './serve.js';
import { loadHostConfig } from './host-config.js';
import { FULL_SCALE, runMainJob, SMALL_SCALE, type SampleScale } from './main-job.js';
import { sandboxUp, type SandboxDeps } from './sandbox.js';
import { execInSession, removeSession, startSession, stopSession } from './session.js';
import { readAllEvents, renderStats, summarize } from './stats.js';

/** The sample's sizes: the full picture, and a quick one for tests. */
const SCALES: Record<string, SampleScale> = { full: FULL_SCALE, small: SMALL_SCALE };

const USAGE = `usage: helix <command>
  up                              start or reconcile the shared BuildKit and registry
  session start ID [--bind H:C] [--project P]
                                  start a desktop session (from P's current golden)
  session exec ID SCRIPT          run SCRIPT in the session's login shell
  session stop ID                 stop a session cleanly, keeping it and its data
  session rm ID                   stop and remove a session and its data-root
  demo [--scale full|small] [--concurrent 4]
                                  the main job on samples/stack: plain docker vs the toolkit, cold,
                                  warm, golden, a one-line change, sessions at once; writes
                                  .helix/main-job.json and .helix/main-job.svg
  stats [--json]                  the wrapper's build events, per session and for the sandbox
  golden build P | status P | resume [P]
                                  golden builds of project P (config: <state>/projects/P.json)
  run start ID --project P | stop ID | ls | reap
                                  docker-in-docker runs with a BuildKit sidecar each
  serve [--port 7770]             HTTP trigger for merge hooks: POST /projects/P/golden-build
  bench [load] [--sizes 1,4] [--layers 40] [--repeats 3]
                                  the load-path bench: prints a table, writes .helix/bench-load.json
  bench restore [--files 100000] [--mb 1024]
                                  golden restore methods side by side: writes .helix/bench-restore.json`;

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
  const lines = rows.map((r) => `${r.case.padEnd(width)} ${(r.sizeGb === undefined ? '' : `${r.sizeGb} GB`).padEnd(6)} ${r.medianMs.toFixed(r.medianMs < 100 ? 1 : 0).padStart(9)} ms`);
  return [`${'case'.padEnd(width)} ${'size'.padEnd(6)} ${'median'.padStart(12)}`, ...lines].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      bind: { type: 'string', multiple: true },
      project: { type: 'string' },
      port: { type: 'string', default: '7770' },
      sample: { type: 'string' },
      scale: { type: 'string', default: 'full' },
      concurrent: { type: 'string', default: '4' },
      json: { type: 'boolean' },
      sizes: { type: 'string', default: '1,4' },
      files: { type: 'string', default: '100000' },
      mb: { type: 'string', default: '1024' },
      layers: { type: 'string', default: '40' },
      repeats: { type: 'string', default: '3' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub, ...rest] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const cfg = loadHostConfig();
  const log = createLogger({ name: 'helix', file: `${cfg.stateDir}/log/host.log` });
  const d: SandboxDeps = { engine: connectEngine(), cfg, log };
  const store = new GoldenStore(`${cfg.stateDir}/goldens`);
  const builder = new GoldenBuilder(d, store);
  switch (cmd) {
    case 'up':
      await sandboxUp(d);
      return 0;
    case 'demo': {
      const scale = SCALES[values.scale as string];
      if (!scale) throw new HelixError('BAD_FLAG', `helix demo: unknown --scale ${JSON.stringify(values.scale)}`, `use ${Object.keys(SCALES).join(' or ')}`);
      const concurrent = Number(values.concurrent);
      if (!Number.isInteger(concurrent) || concurrent < 1) throw new HelixError('BAD_FLAG', `helix demo: --concurrent must be a positive integer, not ${JSON.stringify(values.concurrent)}`);
      const r = await runMainJob(d, { sampleDir: resolve(values.sample ?? 'samples/stack'), outDir: resolve('.helix'), scale, concurrent });
      process.stdout.write(`\n${r.table}\n\n${r.targets}\n\nresults: ${r.files.json}\nchart:   ${r.files.svg}\n`);
      return r.digests.every((c) => c.ok) ? 0 : 1;
    }
    case 'stats': {
      const rows = summarize(await readAllEvents(cfg.stateDir));
      process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : `${renderStats(rows)}\n`);
      return 0;
    }
    case 'bench': {
      if (sub === 'restore') {
        const files = Number(values.files);
        const totalMb = Number(values.mb);
        if (!(files >= 1) || !(totalMb >= 1)) throw new HelixError('BAD_FLAG', 'helix bench restore: --files and --mb take whole numbers');
        const rows = await runRestoreBench({ workDir: `${cfg.stateDir}/bench-restore`, files, totalMb, log });
        const targets = restoreTargets(rows);
        const file = await writeResult('bench-restore', { files, totalMb, rows, targets });
        const table = rows.map((r) => `${r.fs.padEnd(16)} ${r.method.padEnd(15)} ${(r.ms / 1000).toFixed(3).padStart(8)} s${r.chosen ? '  <- init uses' : ''}`).join('\n');
        process.stdout.write(`\n${'filesystem'.padEnd(16)} ${'method'.padEnd(15)} ${'time'.padStart(10)}\n${table}\n\n${targetLines(targets)}\nresults: ${file}\n`);
        return 0;
      }
      if (sub !== undefined && sub !== 'load') throw new HelixError('BAD_FLAG', `helix bench: unknown bench ${JSON.stringify(sub)}`, 'use load or restore');
      const sizesGb = values.sizes.split(',').map(Number);
      const layers = Number(values.layers);
      const repeats = Number(values.repeats);
      if (sizesGb.some((x) => !(x > 0)) || !(layers >= 1) || !(repeats >= 1)) {
        throw new HelixError('BAD_FLAG', 'helix bench: --sizes takes GB numbers like 1,4; --layers and --repeats whole numbers');
      }
      const rows = await runLoadBench(d, { sizesGb, layers, repeats });
      const targets = checkTargets(rows);
      const file = await writeResult('bench-load', { layers, repeats, rows, targets });
      process.stdout.write(`\n${benchTable(rows)}\n\n${targetLines(targets)}\nresults: ${file}\n`);
      return 0;
    }
    case 'golden': {
      const project = rest[0];
      if (sub === 'resume' && !project) {
        for (const p of await listProjects(store)) await builder.resume(p);
        return 0;
      }
      if (!project) throw new HelixError('BAD_FLAG', `helix golden ${sub ?? ''}: missing project id`);
      if (sub === 'build') {
        const r = await builder.trigger(project);
        const s = await builder.state(project);
        const last = s.history.at(-1);
        process.stdout.write(`${r === 'queued' ? 'queued behind the running build' : `${last?.status}${last?.generation ? ` (generation ${last.generation})` : ''}`}\n`);
        return r === 'queued' || last?.status === 'succeeded' ? 0 : 1;
      }
      if (sub === 'status') {
        process.stdout.write(`${JSON.stringify({ ...(await builder.state(project)), current: (await store.current(project))?.meta }, null, 2)}\n`);
        return 0;
      }
      if (sub === 'resume') {
        await builder.resume(project);
        return 0;
      }
      throw new HelixError('BAD_FLAG', `helix golden: unknown subcommand ${JSON.stringify(sub)}`, 'use build, status or resume');
    }
    case 'run': {
      const runs = new RunManager(d);
      if (sub === 'ls') {
        for (const m of await runs.list()) process.stdout.write(`${m.id}\t${m.project}\t${m.state}\n`);
        return 0;
      }
      if (sub === 'reap') {
        const reaped = await runs.reapOrphans();
        process.stdout.write(reaped.length ? `reaped: ${reaped.join(', ')}\n` : 'no orphans\n');
        return 0;
      }
      const id = rest[0];
      if (!id) throw new HelixError('BAD_FLAG', `helix run ${sub ?? ''}: missing run id`);
      if (sub === 'start') {
        if (!values.project) throw new HelixError('BAD_FLAG', 'helix run start: --project is required (it names the reused cache)');
        await runs.reapOrphans();
        const m = await runs.start(id, values.project);
        process.stdout.write(`${m.container}\n`);
        return 0;
      }
      if (sub === 'stop') {
        await runs.stop(id);
        return 0;
      }
      throw new HelixError('BAD_FLAG', `helix run: unknown subcommand ${JSON.stringify(sub)}`, 'use start, stop, ls or reap');
    }
    case 'serve': {
      const port = Number(values.port);
      for (const p of await listProjects(store)) void builder.resume(p);
      await serveTriggers(builder, log, port);
      log.info(`listening on 127.0.0.1:${port}: POST /projects/<id>/golden-build`);
      return new Promise<number>(() => {});
    }
    case 'session': {
      const id = rest[0];
      if (!id) throw new HelixError('BAD_FLAG', `helix session ${sub ?? ''}: missing session ID`);
      if (sub === 'start') {
        const golden = values.project ? await store.current(values.project) : undefined;
        if (values.project && !golden) log.warn(`project ${values.project} has no golden yet; starting empty`);
        await startSession(d.engine, cfg, {
          id,
          binds: values.bind,
          golden: golden ? { dir: golden.dir, id: `${values.project}/gen-${golden.meta.generation}` } : undefined,
          env: values.project ? { HELIX_PROJECT: values.project } : undefined,
        });
        if (golden && values.project) await store.touch(values.project, golden.meta.generation);
      }
      else if (sub === 'stop') await stopSession(d.engine, id);
      else if (sub === 'rm') await removeSession(d.engine, cfg, id);
      else if (sub === 'exec') {
        const r = await execInSession(d.engine, id, rest.slice(1).join(' '), (s) => process.stderr.write(s));
        process.stdout.write(r.stdout);
        return r.exitCode;
      } else throw new HelixError('BAD_FLAG', `helix session: unknown subcommand ${JSON.stringify(sub)}`, 'use start, exec, stop or rm');
      return 0;
    }
    default:
      throw new HelixError('BAD_FLAG', `helix: unknown command ${JSON.stringify(cmd)}`, 'see helix --help');
  }
}

async function listProjects(store: GoldenStore): Promise<string[]> {
  return (await readdir(store.root).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`helix: error: ${oneLine(err)}\n`);
    process.exit(1);
  },
);
