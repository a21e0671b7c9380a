// Against the real stack: desktops started by something other than `helix session start`. The image
// authors' guide's examples (docs/examples) started with plain `docker run` and the arguments
// `helix credentials issue` prints; credentials revoked and issued again while the desktop runs; a
// desktop with none; a golden build of a step-mode image named by the project; the real CLI as the
// desktop user.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeIdentity } from '../../src/host/desktop-identity.js';
import { containerInfo } from '../../src/host/engine.js';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { choosePrivilegeMode, dindPrivileges } from '../../src/host/privileges.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { removeSession, sessionName } from '../../src/host/session.js';
import { context, deps, nonce, session, sh } from './helpers.js';

const GOW = 'helix/gow-style:dev';
const DEBIAN = 'helix/debian-desktop:dev';
const run = (cmd: string, args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> => {
  const started = Date.now();
  return new Promise((resolve) =>
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(out), err: String(errOut), ms: Date.now() - started }),
    ),
  );
};
const helix = (...args: string[]) => run(process.execPath, ['dist/helix.mjs', ...args]);
const docker = (...args: string[]) => run('docker', args);

/** What a desktop running dockerd needs on this host, as `docker run` flags (what sessions get). */
function privilegeFlags(): string[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  if (choosePrivilegeMode(deps.cfg.privileges, status) === 'privileged') return ['--privileged'];
  const { binds, hostConfig } = dindPrivileges(deps.cfg.privileges, status);
  return [
    ...(hostConfig.CapAdd as string[]).map((c) => `--cap-add=${c}`),
    ...(hostConfig.SecurityOpt as string[]).map((o) => `--security-opt=${o}`),
    '--security-opt=systempaths=unconfined',
    ...(hostConfig.DeviceCgroupRules as string[]).map((r) => `--device-cgroup-rule=${r}`),
    ...binds.map((b) => `--volume=${b}`),
  ];
}

const containers: string[] = [];
const volumes: string[] = [];
const ids: string[] = [];

/** A desktop started with plain `docker run`: the image, the printed arguments, a volume at /var/lib/docker. */
async function dockerRun(name: string, image: string, args: string[], extra: string[] = []): Promise<string> {
  const c = `helix-test-${process.pid}-${name}`;
  containers.push(c);
  volumes.push(c);
  const r = await docker('run', '-d', '--name', c, ...privilegeFlags(), ...args, `--volume=${c}:/var/lib/docker`, ...extra, image);
  expect(r.code, r.err).toBe(0);
  await until(`${c} to boot`, async () => (await docker('exec', c, 'test', '-f', '/run/helix/ready')).code === 0);
  return c;
}

async function until(what: string, f: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Issues a desktop's credentials through the CLI; returns the arguments it printed, one a line. */
async function issue(id: string, project: string): Promise<string[]> {
  if (!ids.includes(id)) ids.push(id);
  const r = await helix('credentials', 'issue', id, '--project', project);
  expect(r.code, r.err).toBe(0);
  return r.out.trim().split('\n');
}

/** A build context copied into the container, readable by every user. */
async function withContext(c: string, files: Record<string, string>): Promise<string> {
  const dir = context(files);
  expect((await docker('cp', `${dir}/.`, `${c}:/ctx`)).code).toBe(0);
  await docker('exec', c, 'chmod', '-R', 'a+rX', '/ctx');
  return '/ctx';
}

const asUser = (c: string, user: string, script: string) => docker('exec', '-u', user, '-w', '/ctx', c, 'bash', '-c', script);
const helixLines = (err: string) => err.split('\n').filter((l) => l.startsWith('helix: '));

beforeAll(() => sandboxUp(deps), 300_000);

afterAll(async () => {
  for (const c of containers) await docker('rm', '-f', '-v', c);
  for (const v of volumes) await docker('volume', 'rm', '-f', v);
  // Removed, directory and all (the CLI's revoke keeps it for a desktop that may still run).
  for (const id of ids) await revokeIdentity(deps.cfg, id);
});

describe('a Games-on-Whales-style desktop started with docker run and the printed arguments', () => {
  const id = `t${process.pid}-gow-run`;
  let c = '';

  it('prints one argument a line: the network, the credentials read-only, the environment', async () => {
    const args = await issue(id, 'orch');
    expect(args).toContain(`--network=${deps.cfg.network}`);
    expect(args).toContain(`--volume=${deps.cfg.stateDir}/credentials/session-${id}:/run/helix-credentials:ro`);
    expect(args).toContain('--env=HELIX_PROJECT=orch');
    for (const a of args) expect(a).not.toMatch(/\s/);
    const ls = await helix('credentials', 'ls');
    expect(ls.out).toMatch(new RegExp(`^${id}\\torch\\t\\d{4}-`, 'm'));
    // A second issue would take a running desktop's credentials from under it.
    const again = await helix('credentials', 'issue', id, '--project', 'orch');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^helix: error: CONFLICT: desktop .* already has credentials/);
    c = await dockerRun('gow', GOW, args);
  });

  it("routes the desktop user's docker build and docker compose up --build through the shared builder", async () => {
    await withContext(c, {
      Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n`,
      'compose.yaml': 'services:\n  app:\n    build: .\n    image: orch/compose:1\n    command: ["sleep", "300"]\n',
    });
    const b = await asUser(c, 'retro', 'docker build -t orch/app:1 .');
    expect(b.code, b.err).toBe(0);
    expect(helixLines(b.err)).toEqual([expect.stringMatching(/^helix: orch\/app:1 changed, pulled by digest from helix-shared's store/)]);
    const u = await asUser(c, 'retro', 'docker compose -p orch up -d --build && docker compose -p orch down');
    expect(u.code, u.err).toBe(0);
    expect(u.err).toMatch(/^helix: \[app\] orch\/compose:1 /m);
  });

  it('after credentials revoke, the next build runs on the local builder with one warning; issued again, on the shared one', async () => {
    expect((await helix('credentials', 'revoke', id)).code).toBe(0);
    // init looks at the mount every 2 s.
    await until('init to drop the credentials', async () => (await docker('exec', c, 'test', '-e', '/var/lib/helix/credentials/client.pem')).code !== 0, 30_000);
    await withContext(c, { Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n` });
    const b = await asUser(c, 'retro', 'docker build -t orch/app:2 .');
    expect(b.code, b.err).toBe(0);
    const lines = helixLines(b.err);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^helix: warning: shared BuildKit at \S+ requires a client certificate, and this container has none .*helix credentials issue ID --project P.*; built with the local builder$/);
    expect(lines[1]).toMatch(/^helix: orch\/app:2 built with the local builder/);
    expect((await docker('exec', c, 'docker', 'image', 'inspect', '-f', 'ok', 'orch/app:2')).out.trim()).toBe('ok');

    await issue(id, 'orch');
    await until('init to take the new credentials', async () => (await docker('exec', c, 'test', '-e', '/var/lib/helix/credentials/client.pem')).code === 0, 30_000);
    await until('the builder to be registered with them', async () => (await docker('exec', c, 'grep', '-q', 'client.pem', '/home/retro/.docker/buildx/instances/helix-shared')).code === 0, 30_000);
    await withContext(c, { Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n` });
    const again = await asUser(c, 'retro', 'docker build -t orch/app:3 .');
    expect(again.code, again.err).toBe(0);
    expect(helixLines(again.err)).toEqual([expect.stringMatching(/^helix: orch\/app:3 changed, pulled by digest from helix-shared's store/)]);
  });
});

describe('a desktop started without credentials', () => {
  let c = '';
  beforeAll(async () => {
    const args = (await issue(`t${process.pid}-nocreds`, 'orch')).filter((a) => !a.includes('/run/helix-credentials'));
    c = await dockerRun('nocreds', GOW, args);
  });

  it('builds on its own builder at once, with one warning, and doctor names the cause', async () => {
    await withContext(c, {
      Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n`,
      'compose.yaml': 'services:\n  app:\n    build: .\n    image: orch/nocreds-compose:1\n',
    });
    const b = await asUser(c, 'retro', 'docker build -t orch/nocreds:1 .');
    expect(b.code, b.err).toBe(0);
    const lines = helixLines(b.err);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^helix: warning: shared BuildKit at \S+ requires a client certificate, and this container has none/);
    // buildx would have waited for its 20 s deadline on a BuildKit that refuses the connection.
    expect(b.ms).toBeLessThan(15_000);
    const cb = await asUser(c, 'retro', 'docker compose -p nocreds build');
    expect(cb.code, cb.err).toBe(0);
    expect(helixLines(cb.err).filter((l) => l.includes('warning'))).toHaveLength(1);
    expect(cb.ms).toBeLessThan(15_000);
    const doctor = await docker('exec', c, 'helix-init', 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.out).toMatch(/^FAIL builder +shared BuildKit at \S+ requires a client certificate/m);
    expect(doctor.out).toMatch(/fix: on the sandbox host, `helix credentials issue ID --project P`/);
  });
});

describe("the guide's Debian image, given the toolkit by COPY --from", () => {
  it('boots through its own entrypoint and builds through the shared builder as its desktop user', async () => {
    const c = await dockerRun('debian', DEBIAN, await issue(`t${process.pid}-debian`, 'orch'));
    expect((await docker('logs', c)).out).toMatch(/\[desktop\] starting sleep infinity as dev/);
    await until('the desktop to run as dev', async () => (await docker('exec', c, 'ps', '-o', 'user=', '-p', '1')).out.trim() === 'dev');
    await withContext(c, { Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n` });
    const b = await asUser(c, 'dev', 'docker build -t orch/debian:1 .');
    expect(b.code, b.err).toBe(0);
    expect(helixLines(b.err)).toEqual([expect.stringMatching(/^helix: orch\/debian:1 changed, pulled by digest from helix-shared's store/)]);
    const doctor = await docker('exec', c, 'helix-init', 'doctor');
    expect(doctor.out).toMatch(/^ok +builder /m);
  });
});

describe('the real CLI, without the wrapper', () => {
  it('builds on the shared builder as the desktop user after root has built, with buildx and compose run directly', async () => {
    const ctx = context({
      Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /n\n`,
      'compose.yaml': 'services:\n  app:\n    build: .\n    image: orch/real-compose:1\n',
    });
    const id = await session('realcli', { binds: [`${ctx}:/ctx:ro`] });
    expect((await sh(id, 'cd /ctx && docker build -t orch/root:1 . && /usr/bin/docker buildx build -t orch/root:2 --load .')).code).toBe(0);
    const bx = await sh(id, "su - retro -c 'cd /ctx && /usr/bin/docker buildx build -t orch/real:1 --load .'");
    expect(bx.code, bx.err).toBe(0);
    expect(bx.err).toMatch(/building with "helix-shared" instance using remote driver/);
    const plugin = await sh(id, "su - retro -c 'cd /ctx && /usr/libexec/docker/cli-plugins/docker-buildx build -t orch/real:2 --load .'");
    expect(plugin.code, plugin.err).toBe(0);
    expect(plugin.err).toMatch(/building with "helix-shared" instance/);
    const compose = await sh(id, "su - retro -c 'cd /ctx && /usr/bin/docker compose -p real build'");
    expect(compose.code, compose.err).toBe(0);
    expect((await sh(id, 'docker image inspect -f ok orch/real:1 orch/real:2 orch/real-compose:1')).out.trim().split('\n')).toEqual(['ok', 'ok', 'ok']);
  });
});

describe('a golden build of a project whose desktop image boots through its own entrypoint', () => {
  const store = new GoldenStore(`${deps.cfg.stateDir}/goldens`);
  const builder = new GoldenBuilder(deps, store);
  const p = `orch${process.pid}`;
  const tmp = mkdtempSync(join(tmpdir(), 'helix-orch-tmp-'));
  chmodSync(tmp, 0o1777);
  const projectFile = join(deps.cfg.stateDir, 'projects', `${p}.json`);
  const ctx = context({ Dockerfile: `FROM busybox:stable\nRUN echo ${nonce()} > /g\n` });
  const sessionId = `t${process.pid}-orchgold`;

  function configure(exitCode: number): void {
    const script = context({ 'startup.sh': `set -e\necho ran > /tmp/golden-ran\ncd /ctx && docker build -t ${p}/app:1 .\nexit ${exitCode}\n` });
    mkdirSync(join(deps.cfg.stateDir, 'projects'), { recursive: true });
    // /tmp of the golden container is a host directory: the desktop's own startup script would leave its mark there.
    writeFileSync(projectFile, JSON.stringify({ startupScript: `${script}/startup.sh`, binds: [`${ctx}:/ctx:ro`, `${tmp}:/tmp`], timeoutMinutes: 10, image: GOW }));
  }

  afterAll(async () => {
    await removeSession(deps.engine, deps.cfg, sessionId);
    rmSync(store.projectDir(p), { recursive: true, force: true });
    rmSync(projectFile, { force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('ends the container with the script code, never starts the desktop, and promotes the golden', async () => {
    configure(0);
    rmSync(join(tmp, 'golden-ran'), { force: true });
    expect(await builder.trigger(p)).toBe('built');
    const s = await builder.state(p);
    expect(s.history.at(-1), JSON.stringify(s.history)).toMatchObject({ status: 'succeeded', generation: 1 });
    expect(existsSync(join(tmp, 'golden-ran'))).toBe(true);
    expect(existsSync(join(tmp, 'startup-ran'))).toBe(false);
  });

  it("starts a session of the project in the project's image, with the golden's images at boot", async () => {
    const r = await helix('session', 'start', sessionId, '--project', p);
    expect(r.code, r.err).toBe(0);
    expect((await containerInfo(deps.engine, sessionName(sessionId)))?.Config.Image).toBe(GOW);
    expect((await sh(sessionId, `docker image inspect -f ok ${p}/app:1`)).out.trim()).toBe('ok');
    // Outside golden mode the entrypoint goes on to the desktop, as its user.
    await until('the desktop to start', async () => (await sh(sessionId, 'test -s /tmp/startup-ran')).code === 0);
    expect((await sh(sessionId, 'head -1 /tmp/startup-ran')).out.trim()).toBe('retro');
  });

  it('keeps the previous golden when the script fails, ending with its code', async () => {
    configure(3);
    expect(await builder.trigger(p)).toBe('built');
    const s = await builder.state(p);
    expect(s.history.at(-1)).toMatchObject({ status: 'failed', reason: 'startup script exited 3' });
    expect((await store.current(p))?.meta.generation).toBe(1);
  });
});
