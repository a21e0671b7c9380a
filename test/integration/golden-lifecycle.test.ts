// Golden builds on the real stack: promotion, triggers coalescing into one rerun, and a host process
// killed mid-build whose build a restarted process ends cleanly.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerInfo } from '../../src/host/engine.js';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { serveTriggers } from '../../src/host/serve.js';
import { sessionName } from '../../src/host/session.js';
import { context, deps, nonce, session, sh, stateScratch } from './helpers.js';

const store = new GoldenStore(`${deps.cfg.stateDir}/goldens`);
const builder = new GoldenBuilder(deps, store);
const projects: string[] = [];

function project(sleepS: number): string {
  const p = `it${process.pid}-${projects.length}`;
  projects.push(p);
  const ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /n\n` });
  const script = context({ 'startup.sh': `set -e\nsleep ${sleepS}\ncd /ctx && docker build -t ${p}/app:1 .\n` });
  mkdirSync(join(deps.cfg.stateDir, 'projects'), { recursive: true });
  writeFileSync(join(deps.cfg.stateDir, 'projects', `${p}.json`), JSON.stringify({ startupScript: `${script}/startup.sh`, binds: [`${ctx}:/ctx:ro`], timeoutMinutes: 10 }));
  return p;
}

async function until(what: string, f: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

beforeAll(() => sandboxUp(deps));
afterAll(() => {
  for (const p of projects) {
    rmSync(store.projectDir(p), { recursive: true, force: true });
    rmSync(join(deps.cfg.stateDir, 'projects', `${p}.json`), { force: true });
  }
});

describe('golden lifecycle', () => {
  it('coalesces two triggers during a build into exactly one rerun, each incremental', async () => {
    const p = project(4);
    const first = builder.trigger(p);
    await until('the build to start', async () => (await builder.state(p)).status === 'building');
    expect(await builder.trigger(p)).toBe('queued');
    expect(await builder.trigger(p)).toBe('queued');
    expect(await first).toBe('built');
    const s = await builder.state(p);
    expect(s.history.map((h) => h.status)).toEqual(['succeeded', 'succeeded']);
    expect(s.rerun).toBe(false);
    expect((await store.current(p))?.meta.generation).toBe(2);

    // A promotion failing midway leaves generation 2 current and usable.
    const fake = stateScratch();
    mkdirSync(join(fake, 'docker/image'), { recursive: true });
    await expect(store.promote(p, join(fake, 'docker'), 'x', { beforeSwitch: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
    expect((await store.current(p))?.meta.generation).toBe(2);

    const id = await session('fromcurrent', { golden: { dir: (await store.current(p))!.dir, id: `${p}/gen-2` } });
    expect((await sh(id, `docker image inspect -f ok ${p}/app:1`)).out.trim()).toBe('ok');
  });

  it('takes triggers over HTTP: 202 at once, a second one queued behind the first', async () => {
    const p = project(3);
    const server = await serveTriggers(builder, deps.log, 0, { token: 'test-token', maxBuilds: 2 });
    const port = (server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/projects/${p}/golden-build`;
    try {
      const auth = { authorization: 'Bearer test-token' };
      expect((await fetch(url, { method: 'POST' })).status).toBe(401);
      const first = await fetch(url, { method: 'POST', headers: auth });
      expect(first.status).toBe(202);
      expect(await first.json()).toEqual({ project: p, accepted: 'started' });
      await until('the build to start', async () => (await builder.state(p)).status === 'building');
      expect(await (await fetch(url, { method: 'POST', headers: auth })).json()).toEqual({ project: p, accepted: 'queued' });
      await until('both builds to finish', async () => {
        const s = (await (await fetch(url)).json()) as { status: string; history: unknown[] };
        return s.status === 'succeeded' && s.history.length === 2;
      }, 240_000);
      expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('ends a build cleanly after the host process that ran it was killed', async () => {
    const p = project(6);
    const child = spawn(process.execPath, ['dist/helix.mjs', 'golden', 'build', p], { stdio: 'ignore' });
    await until('the golden session to run', async () => {
      const s = await builder.state(p);
      return s.status === 'building' && !!s.session && !!(await containerInfo(deps.engine, sessionName(s.session)))?.State.Running;
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await builder.state(p)).status).toBe('building');

    await builder.resume(p);
    const s = await builder.state(p);
    expect(s.status).toBe('succeeded');
    expect(s.history).toHaveLength(1);
    expect((await store.current(p))?.meta.generation).toBe(1);
  });
});
