// Against the real stack: the host side under bad input, killed processes, concurrency and a full disk.
// Host commands run as real `helix` processes (dist/helix.mjs), killed with SIGKILL where a test says so;
// what must survive is checked on disk afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { registryGc } from '../../src/host/registry-gc.js';
import { serveToken } from '../../src/host/serve.js';
import { sandboxUp, type SandboxDeps } from '../../src/host/sandbox.js';
import { removeSession, sessionDirOf, stopSession } from '../../src/host/session.js';
import { context, deps, nonce, session, sh, stateScratch } from './helpers.js';

const HELIX = join(import.meta.dirname, '..', '..', 'dist', 'helix.mjs');
const run = nonce();
const cleanups: Array<() => unknown> = [];

interface Cli {
  code: number | null;
  out: string;
  err: string;
}

/** `helix ARGS` as a separate host process, to its end. */
function helix(args: string[], env: Record<string, string> = {}): Promise<Cli> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [HELIX, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Every entry under dir (never following a link): path, kind, size and content hash of files. */
function treeHash(dir: string, skip: readonly string[] = []): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (skip.some((s) => p === join(dir, s))) continue;
      const st = lstatSync(p);
      h.update(`${p} ${st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : st.isDirectory() ? 'dir' : `${st.size}`}\n`);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 1024 * 1024) h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** A project whose startup script builds one small image, configured under the given state dir. */
function goldenProject(stateDir: string, name: string): string {
  const p = `f${process.pid}-${name}`;
  const script = context({ 'startup.sh': `set -e\nmkdir -p /tmp/g\nprintf 'FROM busybox:stable\\nRUN echo ${run} > /g\\n' > /tmp/g/Dockerfile\ndocker build -q -t faults/app:1 /tmp/g >/dev/null\n` });
  mkdirSync(join(stateDir, 'projects'), { recursive: true });
  writeFileSync(join(stateDir, 'projects', `${p}.json`), JSON.stringify({ startupScript: `${script}/startup.sh`, timeoutMinutes: 10 }));
  cleanups.push(() => rmSync(join(stateDir, 'goldens', p), { recursive: true, force: true }), () => rmSync(join(stateDir, 'projects', `${p}.json`), { force: true }));
  return p;
}

/** The current generation is there and whole: its link resolves to a generation with a data-root. */
function intactCurrent(store: GoldenStore, p: string): number {
  const dir = store.projectDir(p);
  const gen = readlinkSync(join(dir, 'current'));
  expect(existsSync(join(dir, gen, 'docker', 'image')), `${gen} has a data-root`).toBe(true);
  return (JSON.parse(readFileSync(join(dir, gen, 'golden.json'), 'utf8')) as { generation: number }).generation;
}

const leftovers = (store: GoldenStore, p: string) => readdirSync(store.projectDir(p)).filter((n) => n.includes('.tmp') || n.startsWith('.'));

async function goldenSessions(p: string): Promise<number> {
  return (await deps.engine.listContainers({ all: true, filters: { label: ['helix.role=session'] } })).filter((c) => c.Names.some((n) => n.includes(`golden-${p}-`))).length;
}

beforeAll(() => sandboxUp(deps));
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('bad input', () => {
  it('refuses a traversal id at every host command with one line, and changes nothing under the state dir', async () => {
    const victim = goldenProject(deps.cfg.stateDir, 'victim');
    const before = treeHash(deps.cfg.stateDir, ['log']);
    const bad: string[][] = [
      ['session', 'start', '../x'],
      ['session', 'start', 'ok-id', '--project', '../x'],
      ['session', 'exec', '../x', 'true'],
      ['session', 'stop', '../x'],
      ['session', 'rm', `../goldens/${victim}`],
      ['session', 'rm', '..'],
      ['run', 'start', '../x', '--project', 'p'],
      ['run', 'start', 'ok', '--project', '../x'],
      ['run', 'stop', '../x'],
      ['golden', 'build', '../x'],
      ['golden', 'status', '../../etc'],
      ['golden', 'resume', '../x'],
    ];
    for (const args of bad) {
      const r = await helix(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err, args.join(' ')).toMatch(/^helix: error: BAD_FLAG: invalid (session|run|project) id/);
    }
    expect(treeHash(deps.cfg.stateDir, ['log'])).toBe(before);
  });

  it('refuses a bad flag value or a session that is not there with one line naming it', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['serve', '--port', 'abc'], /^helix: error: BAD_FLAG: --port "abc" is not a port number/],
      [['gc', '--grace-hours', '-5'], /^helix: error: BAD_FLAG: .*'--grace-hours'/],
      [['session', 'exec', `nosuch-${run}`, 'true'], new RegExp(`^helix: error: NOT_FOUND: unknown session nosuch-${run}$`)],
      [['session'], /^helix: error: BAD_FLAG: helix session: missing session ID$/],
    ];
    for (const [args, message] of cases) {
      const r = await helix(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err.trim(), args.join(' ')).toMatch(message);
    }
  });

  it("follows no link a session made and copies no more than the cap of an oversized file when it is removed", async () => {
    const victim = stateScratch();
    mkdirSync(join(victim, 'image'));
    writeFileSync(join(victim, 'secret'), 'host data\n');
    const before = treeHash(victim);
    const [linked, huge] = await Promise.all([session('linked'), session('huge')]);
    // The session's root grows a 1 GB event log, and points its data-root and event log at host paths
    // (done on its directory while it is stopped: dockerd keeps the data-root busy while it runs).
    const b = await sh(huge, 'truncate -s 1G /var/lib/helix-data/events.jsonl');
    expect(b.code, b.err).toBe(0);
    await stopSession(deps.engine, linked);
    const dir = sessionDirOf(deps.cfg, linked);
    renameSync(join(dir, 'docker'), join(dir, 'docker.moved'));
    symlinkSync(victim, join(dir, 'docker'));
    rmSync(join(dir, 'events.jsonl'), { force: true });
    symlinkSync(join(victim, 'secret'), join(dir, 'events.jsonl'));
    await removeSession(deps.engine, deps.cfg, linked);
    await removeSession(deps.engine, deps.cfg, huge);
    expect(treeHash(victim)).toBe(before);
    expect(existsSync(sessionDirOf(deps.cfg, linked))).toBe(false);
    expect(existsSync(join(deps.cfg.stateDir, 'events', `${linked}.jsonl`))).toBe(false);
    expect(statSync(join(deps.cfg.stateDir, 'events', `${huge}.jsonl`)).size).toBe(16 * 1024 * 1024);
    rmSync(join(deps.cfg.stateDir, 'events', `${huge}.jsonl`));
  });
});

describe('golden builds', () => {
  const store = new GoldenStore(`${deps.cfg.stateDir}/goldens`);
  const builder = new GoldenBuilder(deps, store);

  it('runs exactly one build at a time for 20 concurrent triggers, at most one queued rerun, no temp left', async () => {
    const p = goldenProject(deps.cfg.stateDir, 'twenty');
    let most = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        most = Math.max(most, await goldenSessions(p));
        await sleep(100);
      }
    })();
    // Twenty triggers at once, as twenty merge hooks calling `serve` would make them.
    const results = await Promise.all(Array.from({ length: 20 }, () => builder.trigger(p)));
    watching = false;
    await watch;
    expect(results.filter((r) => r === 'built').length).toBeGreaterThanOrEqual(1);
    const s = await builder.state(p);
    expect(s.history.length).toBeGreaterThanOrEqual(1);
    expect(s.history.length).toBeLessThanOrEqual(2);
    expect(s.history.every((h) => h.status === 'succeeded')).toBe(true);
    expect(most).toBe(1);
    expect(s.rerun).toBe(false);
    expect(leftovers(store, p)).toEqual([]);
    expect(await goldenSessions(p)).toBe(0);
  });

  // Each step: a host process stopped there and killed with SIGKILL; `resume` must leave a current
  // generation that is whole: the previous one or the new one, never neither.
  for (const step of ['before-session', 'mid-build', 'after-remove', 'mid-promotion'] as const) {
    it(`keeps the previous or the new generation current after kill -9 ${step}`, async () => {
      const p = goldenProject(deps.cfg.stateDir, step);
      expect((await helix(['golden', 'build', p])).code).toBe(0);
      const previous = intactCurrent(store, p);
      const marker = join(stateScratch(), 'paused');
      const child: ChildProcess = spawn(process.execPath, [HELIX, 'golden', 'build', p], {
        stdio: 'ignore',
        env: { ...process.env, ...(step === 'mid-build' ? {} : { HELIX_TEST_PAUSE_AT: step, HELIX_TEST_PAUSE_MARKER: marker }) },
      });
      const exited = new Promise((r) => child.once('exit', r));
      if (step === 'mid-build') await until('the golden session to run', async () => (await goldenSessions(p)) === 1);
      else await until(`the host process to stop ${step}`, () => existsSync(marker));
      child.kill('SIGKILL');
      await exited;
      expect((await builder.state(p)).status).toBe('building');

      await builder.resume(p);
      const now = intactCurrent(store, p);
      expect([previous, previous + 1]).toContain(now);
      const s = await builder.state(p);
      expect(s.status).not.toBe('building');
      expect(leftovers(store, p)).toEqual([]);
      expect(await goldenSessions(p)).toBe(0);
      // A build that had finished when its host died is not lost, nor one asked for and not yet started.
      if (step !== 'mid-promotion') expect(now).toBe(previous + 1);
    });
  }

  it('keeps the previous golden current, and booting, when the disk fills during a promotion', async () => {
    // A small filesystem of its own for sessions and goldens: tmpfs, which has no blocks in reserve (a
    // full ext4 still took small files here); the CA, the registry logins and the credentials stay the
    // sandbox's (linked), so its sessions still reach the shared services.
    const mnt = join(deps.cfg.stateDir, 'scratch', `small-${process.pid}`);
    mkdirSync(mnt, { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1g', 'tmpfs', mnt]).status).toBe(0);
    cleanups.push(() => spawnSync('umount', ['-l', mnt]));
    for (const d of ['pki', 'registry-auth', 'credentials']) symlinkSync(join(deps.cfg.stateDir, d), join(mnt, d));
    const small: SandboxDeps = { ...deps, cfg: loadHostConfig({ ...process.env, HELIX_HOST_STATE_DIR: mnt }) };
    const env = { HELIX_HOST_STATE_DIR: mnt };
    const p = goldenProject(mnt, 'diskfull');
    expect((await helix(['golden', 'build', p], env)).code).toBe(0);
    const smallStore = new GoldenStore(`${mnt}/goldens`);
    const previous = intactCurrent(smallStore, p);

    const marker = join(stateScratch(), 'paused');
    const child = spawn(process.execPath, [HELIX, 'golden', 'build', p], { stdio: 'ignore', env: { ...process.env, ...env, HELIX_TEST_PAUSE_AT: 'mid-promotion', HELIX_TEST_PAUSE_MARKER: marker } });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await until('the promotion to start', () => existsSync(marker));
    // Fill every free byte, then let the promotion go on.
    spawnSync('sh', ['-c', `cat /dev/zero > ${join(mnt, 'filler')} 2>/dev/null; true`]);
    expect(statfsFree(mnt)).toBe(0);
    child.kill('SIGCONT');
    expect(await exited).toBe(1);
    const s = await new GoldenBuilder(small, smallStore).state(p);
    expect(s.history.at(-1)?.status).toBe('failed');
    expect(s.history.at(-1)?.reason).toMatch(/promotion failed: .*(ENOSPC|no space)/i);
    expect(intactCurrent(smallStore, p)).toBe(previous);
    rmSync(join(mnt, 'filler'), { force: true });

    // The previous golden still boots, with its image.
    const id = `f${process.pid}-boot`;
    const boot = await helix(['session', 'start', id, '--project', p], env);
    expect(boot.code, boot.err).toBe(0);
    const has = await helix(['session', 'exec', id, 'docker image inspect -f ok faults/app:1'], env);
    expect(has.out.trim()).toBe('ok');
    expect((await helix(['session', 'rm', id], env)).code).toBe(0);
  });
});

function statfsFree(path: string): number {
  const r = spawnSync('df', ['--output=avail', '-B1', path], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n').pop());
}

describe('serve', () => {
  it('answers 50 malformed or hostile requests and is still up', async () => {
    const port = 17_000 + (process.pid % 1000);
    // Its scheduled registry collection off: the collection has a test of its own.
    const server = spawn(process.execPath, [HELIX, 'serve', '--port', String(port)], { stdio: 'ignore', env: { ...process.env, HELIX_GC_INTERVAL_HOURS: '0' } });
    const stopped = new Promise((r) => server.once('exit', r));
    const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
      new Promise<number>((resolve) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end(body);
      });
    await until('serve to listen', async () => (await send('GET', '/nope')) === 404, 30_000);
    const hostile: Array<[string, string, Record<string, string>, string | undefined]> = [
      ['GET', '/projects/%E0%A4%A/golden-build', {}, undefined],
      ['POST', '/projects/..%2F..%2Fgoldens/golden-build', {}, undefined],
      ['POST', '/projects/x/golden-build', {}, undefined],
      ['POST', '/projects/x/golden-build', { authorization: 'Bearer guess' }, undefined],
      ['POST', '/projects/x/golden-build', { host: 'evil.example' }, undefined],
      ['POST', '/projects/x/golden-build', { origin: 'http://evil.example' }, undefined],
      ['POST', '/projects/x/golden-build', { 'content-length': '999999999' }, undefined],
      ['PUT', '/projects/x/golden-build', {}, 'x'.repeat(100_000)],
      ['GET', `/${'a'.repeat(60_000)}`, {}, undefined],
      ['DELETE', '/', {}, undefined],
    ];
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(...(hostile[i % hostile.length] as [string, string, Record<string, string>, string | undefined]))));
    expect(answers.filter((s) => s >= 400 && s < 500)).toHaveLength(50);
    expect(server.exitCode).toBeNull();
    expect(await send('GET', '/nope')).toBe(404);
    server.kill('SIGTERM');
    await stopped;
  });

  it('keeps a trigger it answered 202 across a kill -9, builds it at its next start, and skips a stray goldens entry with one warning', async () => {
    const port = 18_000 + (process.pid % 1000);
    const token = await serveToken(join(deps.cfg.stateDir, 'serve.token'));
    const slow = goldenProject(deps.cfg.stateDir, 'serve-slow');
    writeFileSync(join(deps.cfg.stateDir, 'projects', `${slow}.json`), JSON.stringify({ startupScript: `${context({ 'startup.sh': 'sleep 15\n' })}/startup.sh`, timeoutMinutes: 10 }));
    const queued = goldenProject(deps.cfg.stateDir, 'serve-queued');
    const stray = join(deps.cfg.stateDir, 'goldens', `Not A Project ${process.pid}`);
    cleanups.push(() => rmSync(stray, { recursive: true, force: true }));
    // One build at a time: the second trigger waits for a slot, answered 202 but not yet started.
    const start = () => {
      const child = spawn(process.execPath, [HELIX, 'serve', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HELIX_GC_INTERVAL_HOURS: '0', HELIX_MAX_GOLDEN_BUILDS: '1' } });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      // Never left running when an assertion fails: it would hold the host state filesystem.
      cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
      return { child, err: () => err, exited: new Promise((r) => child.once('exit', r)) };
    };
    const post = (p: string) => fetch(`http://127.0.0.1:${port}/projects/${p}/golden-build`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((r) => r.status, () => 0);
    const first = start();
    await until('serve to listen', async () => (await fetch(`http://127.0.0.1:${port}/nope`).then((r) => r.status, () => 0)) === 404, 30_000);
    expect(await post(slow)).toBe(202);
    expect(await post(queued)).toBe(202);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(join(deps.cfg.stateDir, 'goldens', queued, 'build.requested'))).toBe(true);

    mkdirSync(stray, { recursive: true });
    const second = start();
    const store = new GoldenStore(`${deps.cfg.stateDir}/goldens`);
    await until('the queued build to be promoted', () => store.current(queued).then((c) => c !== undefined), 240_000);
    // The one it was running when killed is finished too, its session gone with it.
    await until('the slow build to end', () => new GoldenBuilder(deps, store).state(slow).then((st) => st.history.length > 0 && st.status !== 'building'), 120_000);
    // Its own stray entry: another run killed before its cleanup may have left one of its own, warned about alike.
    const warnings = second.err().split('\n').filter((l) => l.includes(`Not A Project ${process.pid} `));
    expect(warnings, second.err()).toHaveLength(1);
    expect(warnings[0]).toBe(`helix: warning: ${stray} is not a project's golden directory (not a project id); skipped`);
    expect(second.child.exitCode).toBeNull();
    second.child.kill('SIGTERM');
    await second.exited;
  });
});

describe('registry garbage collection', () => {
  it('after 30 rebuilds of a changing 200 MB image, holds only what the grace window keeps', async () => {
    const ctx = context({ Dockerfile: 'FROM debian:trixie\nARG N\nRUN head -c 200M /dev/urandom > /blob && echo $N > /n\n' });
    // Without the facade: every transfer goes through the registry, which is what gc has to collect.
    const id = await session('gc', { project: `f${process.pid}-gc`, binds: [`${ctx}:/ctx:ro`], env: { HELIX_FACADE: '' } });
    let windowStart = 0;
    for (let n = 1; n <= 30; n++) {
      if (n === 26) {
        // The window opens a clear second after build 25's push and event, and as long before build
        // 26's: which side a build falls on is decided by what it is, not by a clock edge.
        await sleep(1100);
        windowStart = Date.now();
        await sleep(1100);
      }
      const r = await sh(id, `cd /ctx && docker build -q --build-arg N=${run}-${n} -t gc/app:1 . >/dev/null && docker image prune -f >/dev/null`);
      expect(r.code, r.err).toBe(0);
    }
    // The collection's own clock reads a little later, which moves its cutoff a few ms after windowStart.
    const graceHours = (Date.now() - windowStart) / 3_600_000;
    const r = await registryGc(deps, graceHours);
    console.log(`registry: ${(r.beforeBytes / 1e6).toFixed(0)} MB before, ${(r.afterBytes / 1e6).toFixed(0)} MB after helix gc (${r.deleted} transfers deleted, ${r.kept} kept)`);
    expect(r.deleted).toBeGreaterThanOrEqual(25);
    expect(r.kept).toBeGreaterThanOrEqual(5);
    // Five 200 MB transfers, the mirror and a little more.
    expect(r.afterBytes).toBeLessThan(r.beforeBytes - 20 * 200 * 1024 ** 2);
    expect(r.afterBytes).toBeLessThan(7 * 200 * 1024 ** 2 + 500 * 1024 ** 2);
    // The registry serves again, and the session's next build works through it.
    const again = await sh(id, `cd /ctx && docker build -q --build-arg N=${run}-31 -t gc/app:1 .`);
    expect(again.code, again.err).toBe(0);
    expect(again.status).toMatch(/pulled by digest via the registry/);
  });
});
