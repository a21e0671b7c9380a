// The main job: the full picture on a real multi-service project (samples/stack). Plain docker in a
// session first (the "before"), then with the toolkit: a cold session, a warm one, a golden build, a
// session from the golden, a one-line change, and several sessions at once, with every session's
// image ids checked against the reference. Writes the table's data as JSON and draws the chart.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { HelixError } from '../lib/errors.js';
import { renderChart } from './chart.js';
import { machineBusyMs } from './machine-cpu.js';
import { REMOVE_DISK_PROBE, sequentialWrite, usedBytes } from './disk-use.js';
import { GoldenBuilder } from '../host/golden-build.js';
import { GoldenStore } from '../host/golden-store.js';
import { compareDigests, renderTable, renderTargets, rowsOf, targetsOf, type DigestCheck, type Measurements } from './main-report.js';
import { rawStepSeconds } from './progress.js';
import { pruneBuildCache } from '../host/project-builder.js';
import { sandboxUp, type SandboxDeps } from '../host/sandbox.js';
import { execInSession, removeSession, sessionFile, startSession } from '../host/session.js';
import { parseEvents } from '../host/stats.js';

export const SAMPLE_PROJECT = 'helix-sample';
const SAMPLE_MOUNT = '/work/sample';
const IMAGES = ['base', 'engine', 'assets', 'sandbox'].map((s) => `${SAMPLE_PROJECT}/${s}:latest`);
const INNER = 'unix:///run/helix-inner/docker.sock';
/** The image the startup script builds for the inner dockerd, as it is named in the digest maps. */
const INNER_IMAGE = `inner:${SAMPLE_PROJECT}/assets:latest`;
/** The step a one-line change to engine/main.c rebuilds. */
const CHANGED_STEP = /^RUN gcc -O2 -o \/usr\/local\/bin\/engine/;

export interface SampleScale {
  units: number;
  funcs: number;
  assetMb: number;
}

export const FULL_SCALE: SampleScale = { units: 32, funcs: 100, assetMb: 2100 };
/** The quick version the tests run: the same phases in minutes. */
export const SMALL_SCALE: SampleScale = { units: 2, funcs: 40, assetMb: 70 };

export interface MainJobOptions {
  sampleDir: string;
  outDir: string;
  scale: SampleScale;
  concurrent: number;
}

export interface MainJobResult {
  measurements: Measurements;
  digests: DigestCheck[];
  files: { json: string; svg: string };
  table: string;
  targets: string;
}

type Ids = Record<string, string>;
/** A command timed inside a session, and what it printed on stdout. */
interface Timed {
  ms: number;
  stdout: string;
}

class Job {
  /** The sample's working copy: the one-line change edits it, never the repository. */
  readonly work: string;
  private readonly sessions = new Set<string>();

  constructor(
    readonly d: SandboxDeps,
    readonly o: MainJobOptions,
  ) {
    this.work = join(d.cfg.stateDir, 'main-job', 'sample');
  }

  log(msg: string): void {
    this.d.log.info(`main job: ${msg}`);
  }

  async prepareSample(): Promise<void> {
    await rm(this.work, { recursive: true, force: true });
    await mkdir(this.work, { recursive: true });
    await cp(this.o.sampleDir, this.work, { recursive: true });
    const s = this.o.scale;
    await writeFile(join(this.work, '.env'), `SAMPLE_UNITS=${s.units}\nSAMPLE_FUNCS=${s.funcs}\nSAMPLE_ASSET_MB=${s.assetMb}\n`);
    await this.setRelease(1);
  }

  /** The one-line change: the release string engine/main.c prints. */
  async setRelease(n: number): Promise<void> {
    const file = join(this.work, 'engine', 'main.c');
    const text = await readFile(file, 'utf8');
    const next = text.replace(/"sample release \d+"/, `"sample release ${n}"`);
    if (next === text && n !== 1) throw new HelixError('BAD_FILE', `${file} has no release line to change`);
    await writeFile(file, next);
  }

  async start(id: string, golden?: { dir: string; id: string }): Promise<number> {
    await removeSession(this.d.engine, this.d.cfg, id);
    this.sessions.add(id);
    const started = Date.now();
    await startSession(this.d.engine, this.d.cfg, { id, binds: [`${this.work}:${SAMPLE_MOUNT}:ro`], project: SAMPLE_PROJECT, golden });
    return Date.now() - started;
  }

  async remove(id: string): Promise<void> {
    await removeSession(this.d.engine, this.d.cfg, id);
    this.sessions.delete(id);
  }

  async removeAll(): Promise<void> {
    for (const id of [...this.sessions]) await this.remove(id).catch(() => undefined);
  }

  /** Runs the project's startup script in the session; `plain` bypasses the toolkit (local builder). */
  startup(id: string, plain = false): Promise<Timed> {
    return this.timed(id, `sh ${SAMPLE_MOUNT}/startup.sh`, 'startup script', plain);
  }

  /**
   * What a developer runs after changing a file: rebuild the project's images. Progress as rawjson:
   * the services build at once, and their step numbers would mix in plain output.
   */
  rebuild(id: string, plain = false): Promise<Timed> {
    return this.timed(id, `cd ${SAMPLE_MOUNT} && docker compose build`, 'docker compose build', plain, plain ? 'plain' : 'rawjson');
  }

  /** Times the command inside the session, as its user would see it, without the harness's exec. */
  private async timed(id: string, script: string, what: string, plain: boolean, progress = 'plain'): Promise<Timed> {
    const env = plain ? 'BUILDX_BUILDER=default ' : '';
    const clock = 'date +%s%3N';
    const r = await execInSession(this.d.engine, id, `export ${env}BUILDKIT_PROGRESS=${progress}; t0=$(${clock}); (${script}); rc=$?; echo "elapsed-ms $(( $(${clock}) - t0 ))"; exit $rc`);
    if (r.exitCode !== 0) {
      throw new HelixError('COMMAND_FAILED', `${what} in session ${id} exited ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-4).join(' | ')}`);
    }
    const ms = Number(/^elapsed-ms (\d+)$/m.exec(r.stdout)?.[1]);
    if (!Number.isFinite(ms)) throw new HelixError('COMMAND_FAILED', `${what} in session ${id} gave no elapsed time`);
    return { ms, stdout: r.stdout };
  }

  /** Image ids in the session's daemon, and in its inner dockerd when that runs. */
  async ids(id: string, inner: boolean): Promise<Ids> {
    // One inspect for all: each image's tags and id ("" for an image the daemon lacks).
    const lines = [`docker image inspect -f '{{json .RepoTags}} {{.Id}}' ${IMAGES.join(' ')} 2>/dev/null`];
    if (inner) lines.push(`echo "${INNER_IMAGE} $(docker -H ${INNER} image inspect -f '{{.Id}}' ${IMAGES[2]} 2>/dev/null)"`);
    const r = await execInSession(this.d.engine, id, `${lines.join('; ')}; true`);
    const out: Ids = Object.fromEntries(IMAGES.map((t) => [t, '']));
    for (const l of r.stdout.trim().split('\n')) {
      const [first, value = ''] = l.split(' ');
      if (!first) continue;
      if (!first.startsWith('[')) out[first] = value;
      else for (const tag of JSON.parse(first) as string[]) if (tag in out) out[tag] = value;
    }
    return out;
  }

  /** This disk's sequential write speed, on the filesystem of sessions' data-roots, in MB/s. */
  async diskWriteMBps(id: string): Promise<number> {
    const mb = 2048;
    const r = await this.timed(id, `${sequentialWrite(mb)} 2>/dev/null`, 'disk write probe', false);
    await execInSession(this.d.engine, id, REMOVE_DISK_PROBE);
    return mb / (r.ms / 1000);
  }

  async events(id: string) {
    const text = await readFile(sessionFile(this.d.cfg, id, 'events'), 'utf8').catch(() => '');
    return parseEvents(text, id);
  }
}

export async function runMainJob(d: SandboxDeps, o: MainJobOptions): Promise<MainJobResult> {
  const job = new Job(d, o);
  const store = new GoldenStore(join(d.cfg.stateDir, 'goldens'));
  const digests: DigestCheck[] = [];
  try {
    await job.prepareSample();
    let t = Date.now();
    await sandboxUp(d);
    const sandboxUpMs = Date.now() - t;
    await store.clear(SAMPLE_PROJECT);
    await mkdir(join(d.cfg.stateDir, 'projects'), { recursive: true });
    const config = { startupScript: join(job.work, 'startup.sh'), binds: [`${job.work}:${SAMPLE_MOUNT}:ro`], timeoutMinutes: 60 };
    await writeFile(join(d.cfg.stateDir, 'projects', `${SAMPLE_PROJECT}.json`), `${JSON.stringify(config)}\n`);

    job.log('before: plain docker in a session (its own builder, no shared cache)');
    await job.start('main-plain');
    const plainCold = await job.startup('main-plain', true);
    const plainRerun = await job.startup('main-plain', true);
    await job.setRelease(2);
    const plainChange = await job.rebuild('main-plain', true);
    await job.setRelease(1);
    await job.remove('main-plain');

    job.log(`emptying the ${d.cfg.tenancy === 'project' ? "project's" : 'shared'} BuildKit cache for an honest cold build`);
    await pruneBuildCache(d, SAMPLE_PROJECT);
    job.log('cold: a new session, cold shared cache');
    await job.start('main-cold');
    const cold = await job.startup('main-cold');
    const reference = await job.ids('main-cold', true);
    digests.push(compareDigests('the inner dockerd has the same large image as its session', { [IMAGES[2] as string]: reference[IMAGES[2] as string] as string }, { [IMAGES[2] as string]: reference[INNER_IMAGE] as string }));
    await job.remove('main-cold');

    job.log('warm: a new session, warm shared cache, no golden');
    await job.start('main-warm');
    const warmNew = await job.startup('main-warm');
    digests.push(compareDigests('new session (warm cache) = cold session', reference, await job.ids('main-warm', true)));
    const before = (await job.events('main-warm')).length;
    const warmRerun = await job.startup('main-warm');
    const rerunEvents = (await job.events('main-warm')).slice(before);
    const skips = rerunEvents.filter((e) => e.path === 'skip');
    // The large image's move into the session's own daemon (the first one; the inner dockerd's is later).
    const warmMove = (await job.events('main-warm')).find((e) => e.service === 'assets' && e.bytes && e.moveMs);
    await job.remove('main-warm');

    job.log('golden build');
    t = Date.now();
    await new GoldenBuilder(d, store).trigger(SAMPLE_PROJECT);
    const goldenBuildMs = Date.now() - t;
    const current = await store.current(SAMPLE_PROJECT);
    if (!current) throw new HelixError('COMMAND_FAILED', `golden build of ${SAMPLE_PROJECT} failed: ${JSON.stringify((await new GoldenBuilder(d, store).state(SAMPLE_PROJECT)).history.at(-1))}`);
    const golden = { dir: current.dir, id: `${SAMPLE_PROJECT}/gen-${current.meta.generation}` };

    job.log('dockerd alone: an empty session starting');
    const dockerdStartMs = await job.start('main-empty');
    job.log('the disk: sequential write speed where data-roots live');
    const diskWriteMBps = await job.diskWriteMBps('main-empty');
    await job.remove('main-empty');

    job.log('a new session from the golden');
    t = Date.now();
    await job.start('main-golden', golden);
    const restored = await job.ids('main-golden', false);
    const imagesPresentMs = Date.now() - t;
    const sessionRef = Object.fromEntries(IMAGES.map((i) => [i, reference[i] as string]));
    digests.push(compareDigests('session from golden, before its startup = cold session', sessionRef, restored));
    const fromGolden = await job.startup('main-golden');
    digests.push(compareDigests('session from golden, after its startup = cold session', reference, await job.ids('main-golden', true)));

    job.log('one-line change to engine/main.c');
    await job.setRelease(2);
    const change = await job.rebuild('main-golden');
    const changed = await job.ids('main-golden', true);
    const seconds = rawStepSeconds(change.stdout); // compose shows build progress on stdout
    const layer = Object.keys(seconds).find((s) => CHANGED_STEP.test(s));
    if (!layer) throw new HelixError('COMMAND_FAILED', 'the one-line change rebuilt no engine layer: no timing for it in the build output');
    const layerMs = (seconds[layer] as number) * 1000;
    const onlyEngine = Object.keys(reference).every((k) => (k === IMAGES[1] ? changed[k] !== reference[k] : changed[k] === reference[k]));
    digests.push({ what: 'the change gave a new engine image and left the others as they were', ok: onlyEngine });

    job.log('one session from the golden, after the change (the reference for concurrency)');
    t = Date.now();
    const busy = await machineBusyMs();
    await job.start('main-one', golden);
    await job.startup('main-one');
    const singleMs = Date.now() - t;
    const singleCpuMs = (await machineBusyMs()) - busy;
    digests.push(compareDigests('one session from golden after the change = the changed session', changed, await job.ids('main-one', true)));
    await job.remove('main-one');

    job.log(`${o.concurrent} sessions at once from the golden`);
    const ids = Array.from({ length: o.concurrent }, (_, i) => `main-c${i + 1}`);
    const usedBefore = await usedBytes(d.cfg.stateDir);
    t = Date.now();
    await Promise.all(
      ids.map(async (id) => {
        await job.start(id, golden);
        await job.startup(id);
      }),
    );
    const concurrentMs = Date.now() - t;
    const addedBytes = (await usedBytes(d.cfg.stateDir)) - usedBefore;
    for (const id of ids) digests.push(compareDigests(`concurrent session ${id} = the changed session`, changed, await job.ids(id, true)));

    const measurements: Measurements = {
      sandboxUpMs,
      plain: { coldMs: plainCold.ms, rerunMs: plainRerun.ms, changeMs: plainChange.ms },
      coldMs: cold.ms,
      warmNewMs: warmNew.ms,
      warmRerun: { ms: warmRerun.ms, skipChecksMs: skips.reduce((n, e) => n + e.ms, 0), skips: skips.length },
      goldenBuildMs,
      dockerdStartMs,
      fromGolden: { imagesPresentMs, startupMs: fromGolden.ms },
      change: { ms: change.ms, layerMs, layer },
      singleMs,
      concurrent: { ms: concurrentMs, sessions: o.concurrent, cpuMsPerSession: singleCpuMs, cores: cpus().length, addedBytes, goldenBytes: current.meta.sizeBytes },
      diskWriteMBps,
      ...(warmMove ? { warmMove: { bytes: warmMove.bytes as number, ms: warmMove.moveMs as number, path: warmMove.path, ...(warmMove.downloadMs ? { downloadMs: warmMove.downloadMs } : {}) } } : {}),
    };
    return await writeResults(o, measurements, digests);
  } finally {
    await job.removeAll();
  }
}

async function writeResults(o: MainJobOptions, m: Measurements, digests: DigestCheck[]): Promise<MainJobResult> {
  const rows = rowsOf(m);
  const targets = targetsOf(m);
  await mkdir(o.outDir, { recursive: true });
  const json = join(o.outDir, 'main-job.json');
  const svg = join(o.outDir, 'main-job.svg');
  const scale = `${o.scale.assetMb} MB large image, ${o.scale.units}×${o.scale.funcs} compile units`;
  await writeFile(json, `${JSON.stringify({ date: new Date().toISOString(), scale: o.scale, measurements: m, rows, targets, digests }, null, 2)}\n`);
  await writeFile(svg, renderChart(rows, 'samples/stack: plain docker vs the toolkit', `${scale}; sandbox up in ${(m.sandboxUpMs / 1000).toFixed(1)}s`));
  return { measurements: m, digests, files: { json, svg }, table: renderTable(rows), targets: renderTargets(targets, digests) };
}
