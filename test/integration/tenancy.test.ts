// Against the real stack: HELIX_TENANCY. Under `shared` one BuildKit serves every project, and a layer
// built with one project's secret is served to another's build of the same step: the limit the README
// states. Under `project` each project builds on a BuildKit of its own, which takes only its own
// desktops' certificates, so neither that layer nor a cache mount, named however, crosses projects;
// the facade, goldens and credentials for other orchestrators work as they do under `shared`.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as h2connect } from 'node:http2';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsDirOf } from '../../src/host/credentials.js';
import { desktopClient } from '../../src/host/desktop-identity.js';
import { containerInfo } from '../../src/host/engine.js';
import { GoldenBuilder } from '../../src/host/golden-build.js';
import { GoldenStore } from '../../src/host/golden-store.js';
import { loadHostConfig } from '../../src/host/host-config.js';
import { listProjectBuilders, removeProjectBuilder } from '../../src/host/project-builder.js';
import { sandboxUp } from '../../src/host/sandbox.js';
import { execInSession, removeSession, startSession } from '../../src/host/session.js';
import { builderFor } from '../../src/host/tenancy.js';
import { context, deps, lastBuild, nonce, session, sh } from './helpers.js';

const cfg = loadHostConfig({ ...process.env, HELIX_TENANCY: 'project' });
const projectDeps = { ...deps, cfg };
const run = nonce();
const pa = `ta-${process.pid}`;
const pb = `tb-${process.pid}`;
const pg = `tg-${process.pid}`;

const secretCtx = context({ Dockerfile: `FROM busybox:stable\nRUN --mount=type=secret,id=tok cat /run/secrets/tok > /token && echo ${run} > /run-mark\n` });
const cacheCtx = context({ Dockerfile: "FROM busybox:stable\nARG MARK\nRUN --mount=type=cache,id=deps,target=/c sh -c 'ls /c > /seen; echo x > /c/$MARK'\n" });
const binds = [`${secretCtx}:/secret-ctx:ro`, `${cacheCtx}:/cache-ctx:ro`];

/**
 * The token a build of the secret probe, given `secret`, left in its image. The base is not the
 * session's local image (which reaches the builder under a name of the project's) but docker.io's, as
 * every project resolves it alike.
 */
async function secretBuild(run: (script: string) => Promise<{ code: number; out: string; err: string }>, secret: string, tag: string): Promise<string> {
  const r = await run(`docker image rm -f busybox:stable >/dev/null; printf ${secret} > /tmp/tok && cd /secret-ctx && docker build -q --secret id=tok,src=/tmp/tok -t ${tag} . >/dev/null && docker run --rm ${tag} cat /token`);
  expect(r.code, r.err).toBe(0);
  return r.out.trim();
}

describe('shared tenancy', () => {
  it("serves a layer built with one project's secret to another project's build of the same step (the limit the README states)", async () => {
    const [a, b] = await Promise.all([session('sh-a', { project: `${pa}-s`, binds }), session('sh-b', { project: `${pb}-s`, binds })]);
    expect(await secretBuild((s) => sh(a, s), `A-${run}`, 'sec/probe:a')).toBe(`A-${run}`);
    expect(await secretBuild((s) => sh(b, s), `B-${run}`, 'sec/probe:b')).toBe(`A-${run}`);
  });
});

describe('project tenancy', () => {
  const started: string[] = [];
  let n = 0;
  const start = async (name: string, project: string): Promise<string> => {
    const id = `t${process.pid}-${name}-${n++}`;
    started.push(id);
    await startSession(deps.engine, cfg, { id, project, binds });
    return id;
  };
  const shIn = async (id: string, script: string) => {
    const r = await execInSession(deps.engine, id, script);
    return { code: r.exitCode, out: r.stdout, err: r.stderr };
  };
  const running = async (project: string) => (await containerInfo(deps.engine, builderFor(cfg, project).name))?.State.Running === true;

  let a = '';
  let b = '';

  beforeAll(async () => {
    await sandboxUp(projectDeps);
    [a, b] = await Promise.all([start('pa', pa), start('pb', pb)]);
  }, 300_000);

  afterAll(async () => {
    for (const id of started) await removeSession(deps.engine, cfg, id);
    for (const p of [pa, pb, pg]) {
      await removeProjectBuilder(projectDeps, p, true);
    }
    // Back to the shared BuildKit the other suites build on.
    await sandboxUp(deps);
  }, 300_000);

  it("starts each project's own BuildKit with its first desktop, and nothing builds on the shared one", async () => {
    expect(await running(pa)).toBe(true);
    expect(await running(pb)).toBe(true);
    expect((await containerInfo(deps.engine, cfg.buildkit.name))?.State.Running).toBe(false);
    const mine = (await listProjectBuilders(projectDeps)).filter((x) => x.project === pa || x.project === pb);
    expect(mine.map((x) => [x.project, x.running, x.desktops])).toEqual([[pa, true, 1], [pb, true, 1]]);
    const env = await shIn(a, 'echo $BUILDKIT_HOST');
    expect(env.out.trim()).toBe(builderFor(cfg, pa).address);
  });

  it("refuses another project's client certificate, even from a client that trusts any server", async () => {
    const ip = (await containerInfo(deps.engine, builderFor(cfg, pa).name))?.NetworkSettings.Networks?.[cfg.network]?.IPAddress as string;
    const cert = (id: string) => {
      const dir = credentialsDirOf(cfg, desktopClient(id));
      return { cert: readFileSync(join(dir, 'client.pem')), key: readFileSync(join(dir, 'client.key')) };
    };
    const answers = (c: { cert: Buffer; key: Buffer }) =>
      new Promise<boolean>((resolve) => {
        const s = h2connect('https://buildkit', { createConnection: () => tlsConnect({ host: ip, port: cfg.buildkit.port, ALPNProtocols: ['h2'], rejectUnauthorized: false, ...c }) });
        const done = (ok: boolean) => {
          clearTimeout(timer);
          s.destroy();
          resolve(ok);
        };
        const timer = setTimeout(() => done(false), 5000);
        s.once('remoteSettings', () => done(true));
        s.once('error', () => done(false));
        s.once('close', () => done(false));
      });
    expect(await answers(cert(b))).toBe(false);
    // The refusal is the certificate's project: A's own is answered on the same connection path.
    expect(await answers(cert(a))).toBe(true);
  });

  it("builds through the wrapper and lands the image from the project's own store through the facade, as the desktop user", async () => {
    const r = await shIn(a, `su - retro -c 'cd /cache-ctx && docker build --build-arg MARK=land-${run} -t land/app:1 .'`);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/pulled by digest from helix-shared's store/);
    expect(lastBuild(a).kept).toContain(`/helix-projects/${pa}/`);
    expect((await shIn(a, 'docker run --rm land/app:1 cat /seen')).code).toBe(0);
  });

  it("does not serve a layer built with one project's secret to another project's build", async () => {
    expect(await secretBuild((s) => shIn(a, s), `A-${run}`, 'sec/probe:a')).toBe(`A-${run}`);
    expect(await secretBuild((s) => shIn(b, s), `B-${run}`, 'sec/probe:b')).toBe(`B-${run}`);
  });

  it("keeps cache mounts apart whatever namespace a build names, and shares them within the project", async () => {
    const build = async (id: string, mark: string, args = '') => {
      const r = await shIn(id, `cd /cache-ctx && docker build -q ${args} --build-arg MARK=${mark} -t cache/probe:${mark} . >/dev/null && docker run --rm cache/probe:${mark} cat /seen`);
      expect(r.code, r.err).toBe(0);
      return r.out.split('\n').filter(Boolean);
    };
    await build(a, `a1-${run}`);
    expect(await build(b, `b1-${run}`, `--build-arg BUILDKIT_CACHE_MOUNT_NS=${pa}`)).not.toContain(`a1-${run}`);
    const again = await build(a, `a2-${run}`);
    expect(again).toContain(`a1-${run}`);
    expect(again).not.toContain(`b1-${run}`);
  });

  it('stops a project builder when its last desktop goes, and starts it again, warm, with the next', async () => {
    await removeSession(deps.engine, cfg, a);
    expect(await running(pa)).toBe(false);
    expect(await running(pb)).toBe(true);
    const a2 = await start('pa2', pa);
    expect(await running(pa)).toBe(true);
    const r = await shIn(a2, 'printf y > /tmp/tok && cd /secret-ctx && docker build --secret id=tok,src=/tmp/tok -t sec/probe:again . 2>&1');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/RUN --mount=type=secret[^\n]*\n#\d+ CACHED/);
  });

  /** `helix ARGS` as the operator of a project-tenancy host runs it. */
  const helix = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) =>
      execFile(process.execPath, ['dist/helix.mjs', ...args], { env: { ...process.env, HELIX_TENANCY: 'project' } }, (err, out, errOut) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(out), err: String(errOut) }),
      ),
    );

  it('issues credentials for a desktop another orchestrator starts, pointed at the project builder, and stops it on revocation', async () => {
    const id = `t${process.pid}-orch`;
    const issued = await helix('credentials', 'issue', id, '--project', pg);
    expect(issued.code, issued.err).toBe(0);
    expect(issued.out).toContain(`--env=BUILDKIT_HOST=${builderFor(cfg, pg).address}`);
    expect(await running(pg)).toBe(true);
    expect((await helix('credentials', 'revoke', id)).code).toBe(0);
    expect(await running(pg)).toBe(false);
  });

  it("builds a project's golden on the project's builder, which stops with the golden build", async () => {
    const store = new GoldenStore(`${cfg.stateDir}/goldens`);
    const projectFile = join(cfg.stateDir, 'projects', `${pg}.json`);
    const script = context({ 'startup.sh': `set -e\ncd /cache-ctx && docker build --build-arg MARK=g-${run} -t ${pg}/app:1 .\n` });
    mkdirSync(join(cfg.stateDir, 'projects'), { recursive: true });
    writeFileSync(projectFile, JSON.stringify({ startupScript: `${script}/startup.sh`, binds: [`${cacheCtx}:/cache-ctx:ro`], timeoutMinutes: 10 }));
    try {
      expect(await new GoldenBuilder(projectDeps, store).trigger(pg)).toBe('built');
      expect(await running(pg)).toBe(false);
      const g = `t${process.pid}-pg`;
      started.push(g);
      const r = await helix('session', 'start', g, '--project', pg, '--bind', `${cacheCtx}:/cache-ctx:ro`);
      expect(r.code, r.err).toBe(0);
      expect((await shIn(g, `docker image inspect -f ok ${pg}/app:1`)).out.trim()).toBe('ok');
      // Its cache mount holds what the golden build wrote: the build ran on this builder.
      const seen = await shIn(g, `cd /cache-ctx && docker build -q --build-arg MARK=s-${run} -t ${pg}/app:2 . >/dev/null && docker run --rm ${pg}/app:2 cat /seen`);
      expect(seen.code, seen.err).toBe(0);
      expect(seen.out).toContain(`g-${run}`);
    } finally {
      rmSync(store.projectDir(pg), { recursive: true, force: true });
      rmSync(projectFile, { force: true });
    }
  });
});
