// Against the real stack: helix-init as one step (17-start-dockerd.sh) of an entrypoint the image
// already has, in a Games-on-Whales-style desktop (docs/examples/gow-desktop): its entrypoint sources
// cont-init.d under set -e, then execs the startup script as the desktop user, who is then PID 1;
// /var/lib/docker is a named volume.
import { join } from 'node:path';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demuxBuffer } from '../../src/host/engine.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { dataRootOf, removeSession, runGoldenSession, sessionCreateOptions, sessionFile, sessionName, type SessionSpec } from '../../src/host/session.js';
import { context, deps, nonce, session, sh, stateScratch } from './helpers.js';

const IMAGE = 'helix/gow-style:dev';
const volumes: string[] = [];
const sessions: string[] = [];
const volume = (name: string) => {
  const v = `helix-test-${process.pid}-${name}`;
  volumes.push(v);
  return v;
};
/** A GOW-style session: its data-root the named volume at /var/lib/docker, not the host directory. */
async function gow(name: string, extra: Omit<SessionSpec, 'id'> = {}): Promise<string> {
  const id = await session(name, { ...extra, image: IMAGE, env: { HELIX_DATA_ROOT: '' }, binds: [`${volume(name)}:/var/lib/docker`, ...(extra.binds ?? [])] });
  sessions.push(id);
  return id;
}

const asUser = (id: string, cmd: string) => sh(id, `su - retro -c '${cmd}'`);

async function until(what: string, f: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const ctx = context({
  Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n`,
  'compose.yaml': 'services:\n  app:\n    build: .\n    image: gow/compose:1\n    command: ["sleep", "300"]\n',
});
let id = '';

beforeAll(async () => {
  await sandboxUp(deps);
  id = await gow('main', { binds: [`${ctx}:/ctx:ro`] });
}, 300_000);

afterAll(async () => {
  // The sessions first, then the volumes they held.
  for (const s of sessions) await removeSession(deps.engine, deps.cfg, s);
  for (const v of volumes) await deps.engine.getVolume(v).remove({ force: true }).catch(() => undefined);
});

describe('helix-init as a cont-init.d step', () => {
  it("reaches the image's startup script as the desktop user, with the toolkit's environment", async () => {
    // Ready comes from the step; the entrypoint goes on to the startup script right after.
    await until('the startup script', async () => (await sh(id, 'test -s /tmp/startup-ran')).code === 0);
    const ran = (await sh(id, 'cat /tmp/startup-ran')).out;
    expect(ran.split('\n')[0]).toBe('retro');
    expect(ran).toContain('BUILDX_BUILDER=helix-shared');
    // Every user keeps buildx state of their own, where buildx looks by default.
    expect(ran).not.toContain('BUILDX_CONFIG');
    expect((await sh(id, 'ps -o user=,comm= -p 1')).out.trim()).toMatch(/^retro\s+sleep$/);
    expect((await sh(id, 'docker info -f "{{.DockerRootDir}}"')).out.trim()).toBe('/var/lib/docker');
  });

  it("routes the desktop user's docker build and docker compose up through the shared builder", async () => {
    const b = await asUser(id, 'cd /ctx && docker build -t gow/app:1 .');
    expect(b.code, b.err).toBe(0);
    expect(b.status).toMatch(/^helix: gow\/app:1 /);
    const c = await asUser(id, 'cd /ctx && docker compose -p gow up -d --build && docker compose -p gow down');
    expect(c.code, c.err).toBe(0);
    expect(c.err).toMatch(/helix: \[app\] gow\/compose:1 /);
  });

  it('brings dockerd back after kill -9, with no orphan left unreaped', async () => {
    expect((await sh(id, 'pkill -9 -x dockerd')).code).toBe(0);
    await until('dockerd to answer again', async () => (await sh(id, 'docker info >/dev/null 2>&1')).code === 0);
    expect((await sh(id, 'docker image inspect -f ok gow/app:1')).out.trim()).toBe('ok');
    expect((await sh(id, "ps -eo stat= | grep -c '^Z' || true")).out.trim()).toBe('0');
  });

  it('boots again after docker stop and docker start, images intact', async () => {
    const c = deps.engine.getContainer(sessionName(id));
    await c.stop({ t: 20 });
    renameSync(sessionFile(deps.cfg, id, 'ready'), `${sessionFile(deps.cfg, id, 'ready')}.old`);
    await c.start();
    await until('the second boot', async () => (await sh(id, 'test -f /run/helix/ready && docker info >/dev/null')).code === 0);
    expect((await sh(id, 'docker image inspect -f ok gow/app:1')).out.trim()).toBe('ok');
    expect((await sh(id, 'cat /tmp/startup-ran')).out.split('\n')[0]).toBe('retro');
  });

  it("stops the entrypoint with one line when the step fails (a malformed daemon.json), under its set -e", async () => {
    const dir = context({ 'daemon.json': '{"debug": ' });
    const spec: SessionSpec = { id: `t${process.pid}-gowbad`, image: IMAGE, env: { HELIX_DATA_ROOT: '' }, binds: [`${volume('bad')}:/var/lib/docker`, `${join(dir, 'daemon.json')}:/etc/docker/daemon.json`] };
    const procStatus = readFileSync('/proc/self/status', 'utf8');
    const c = await deps.engine.createContainer(sessionCreateOptions(deps.cfg, spec, procStatus));
    try {
      await c.start();
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      const logs = demuxBuffer(await c.logs({ stdout: true, stderr: true }));
      expect(StatusCode).not.toBe(0);
      const errors = logs.split('\n').filter((l) => l.startsWith('helix-init: '));
      expect(errors, logs).toHaveLength(1);
      expect(errors[0]).toMatch(/\/etc\/docker\/daemon.json is not valid JSON/);
      expect(logs).not.toContain('starting the desktop');
      expect(readFileSync(join(dir, 'daemon.json'), 'utf8')).toBe('{"debug": ');
    } finally {
      await c.remove({ force: true, v: true });
      await removeSession(deps.engine, deps.cfg, spec.id);
    }
  });
});

describe('helix-init stop, for an entrypoint that traps docker stop', () => {
  it("stops the step's dockerd cleanly and waits for it", async () => {
    const r = await sh(id, 'helix-init stop && ! pgrep -x dockerd && tail -3 /var/log/dockerd.log');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Daemon shutdown complete/);
    expect((await sh(id, 'test -e /run/helix/init.pid')).code).not.toBe(0);
  });
});

describe('golden restore into an empty named volume', () => {
  it("gives a GOW-style session the golden's images at boot", async () => {
    const gctx = context({ Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /g\n` });
    const script = context({ 'startup.sh': 'set -e\ncd /gctx && docker build -t golden/gow:1 .\n' });
    const gid = `t${process.pid}-gowgold`;
    const r = await runGoldenSession(deps.engine, deps.cfg, { id: gid, binds: [`${script}/startup.sh:/opt/helix/startup.sh:ro`, `${gctx}:/gctx:ro`] });
    expect(r.exitCode, r.logs).toBe(0);
    const golden = stateScratch();
    renameSync(dataRootOf(deps.cfg, gid), join(golden, 'docker'));
    writeFileSync(join(golden, 'golden.json'), '{}\n');
    await removeSession(deps.engine, deps.cfg, gid);

    const g = await gow('fromgolden', { golden: { dir: golden, id: 'gen-1' } });
    expect((await sh(g, 'docker image inspect -f ok golden/gow:1')).out.trim()).toBe('ok');
    const logs = demuxBuffer(await deps.engine.getContainer(sessionName(g)).logs({ stdout: true, stderr: true }));
    expect(logs + (await sh(g, 'cat /var/lib/helix/log/init-step.out')).out).toMatch(/restored golden gen-1 .* into the empty \/var\/lib\/docker/);
  });
});
