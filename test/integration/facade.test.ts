// The registry facade path against the real stack, under both image stores: a changed image is pulled
// from BuildKit's own store with nothing written to the shared registry; unchanged and present images
// move nothing; the facade gone or failing, and the registry gone, each still leave the right image.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registryUrl, sandboxUp } from '../../src/host/sandbox.js';
import { hostRegistryToken, repositoryAccess } from '../../src/host/registry-token.js';
import { releaseKeptImages } from '../../src/host/buildkit-release.js';
import { context, deps, lastBuild, nonce, session, sh } from './helpers.js';

const STORES = [
  { store: 'classic', env: {} },
  { store: 'containerd', env: { HELIX_DAEMON_JSON: JSON.stringify({ features: { 'containerd-snapshotter': true } }) } },
] as const;

/** The repository and manifest a session's last build kept in BuildKit's store. */
function built(id: string): { repo: string; digest: string } {
  const e = lastBuild(id);
  const kept = e.kept ?? '';
  return { repo: kept.slice(kept.indexOf('/') + 1), digest: e.manifest };
}

/** Whether the shared registry holds that manifest: the facade path writes nothing there. */
async function inRegistry(repo: string, digest: string): Promise<boolean> {
  const token = await hostRegistryToken(deps.cfg, [repositoryAccess(repo, 'pull')]);
  const res = await fetch(`${registryUrl(deps.cfg)}/v2/${repo}/manifests/${digest}`, { method: 'HEAD', headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.oci.image.manifest.v1+json' } });
  return res.status === 200;
}

beforeAll(async () => {
  await sandboxUp(deps);
});

describe.each(STORES)('facade path, $store image store', ({ store, env }) => {
  let id: string;
  let ctx: string;
  const tag = `fac-${store}/app`;
  const build = (args: string, pre = '') => sh(id, `cd /ctx && ${pre} docker build ${args} .`);

  beforeAll(async () => {
    ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /n\nCOPY f /f\n`, f: '1\n' });
    id = await session(`fac-${store}`, { project: `fac-${store}`, binds: [`${ctx}:/ctx`], env });
  });

  it('pulls a new image from the builder store, writing nothing to the registry and leaving no facade reference', async () => {
    const r = await build(`-t ${tag}:1`);
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/warning/);
    expect(r.status).toMatch(new RegExp(`${tag}:1 changed, pulled by digest from helix-shared's store .*MB moved`));
    const { repo, digest } = built(id);
    expect(await inRegistry(repo, digest)).toBe(false);
    const refs = await sh(id, `docker images --digests --format '{{.Repository}}'`);
    expect(refs.out).not.toContain('helix-facade');
    expect((await sh(id, `docker run --rm ${tag}:1 cat /f`)).out).toBe('1\n');
  });

  it('skips an unchanged image and tags one present under another name', async () => {
    expect((await build(`-t ${tag}:1`)).status).toMatch(/unchanged on helix-shared, load skipped/);
    expect((await build(`-t ${tag}:2`)).status).toMatch(/already present, tagged only/);
  });

  it('moves only the changed top layer', async () => {
    writeFileSync(join(ctx, 'f'), '2\n');
    const r = await build(`-t ${tag}:1`);
    expect(r.status).toMatch(/changed, pulled by digest from helix-shared's store \(.*, [\d.]+ k?B moved\)/);
    expect((await sh(id, `docker run --rm ${tag}:1 cat /f`)).out).toBe('2\n');
  });

  it('goes through the registry, with one warning, when the facade cannot serve the image', async () => {
    writeFileSync(join(ctx, 'f'), '3\n');
    // A registry that answers but does not hold the image: the pull fails, the fallback solve pushes.
    const r = await build(`-t ${tag}:1`, 'HELIX_FACADE=helix-registry:5000');
    expect(r.code, r.err).toBe(0);
    expect(r.err.match(/^helix: warning: /gm)).toHaveLength(1);
    expect(r.err).toMatch(/^helix: warning: registry facade helix-registry:5000: .*; the image went the registry way instead$/m);
    expect(r.status).toMatch(/changed, pulled by digest via the registry/);
    expect((await sh(id, `docker run --rm ${tag}:1 cat /f`)).out).toBe('3\n');
  });

  it('goes through the registry, silently, while the facade is down, and back when it is up', async () => {
    writeFileSync(join(ctx, 'f'), '4\n');
    await deps.engine.getContainer(deps.cfg.facade.name).stop();
    try {
      const r = await build(`-t ${tag}:1`);
      expect(r.code, r.err).toBe(0);
      expect(r.err).not.toMatch(/warning/);
      expect(r.status).toMatch(/changed, pulled by digest via the registry/);
    } finally {
      await sandboxUp(deps);
    }
    writeFileSync(join(ctx, 'f'), '5\n');
    expect((await build(`-t ${tag}:1`)).status).toMatch(/pulled by digest from helix-shared's store/);
    expect((await sh(id, `docker run --rm ${tag}:1 cat /f`)).out).toBe('5\n');
  });

  it('keeps the image under a name helix gc releases once no build used it for the grace period', async () => {
    writeFileSync(join(ctx, 'f'), '7\n');
    const r = await build(`-t ${tag}:1`);
    expect(r.status).toMatch(/pulled by digest from helix-shared's store/);
    const kept = `helix-registry:5000/helix-projects/fac-${store}/fac-${store}/app`;
    expect((await sh(id, 'tail -1 "$HELIX_EVENTS_FILE"')).out).toContain(`"kept":"${kept}"`);
    expect(await releaseKeptImages(deps, 1)).not.toContain(kept);
    expect(await releaseKeptImages(deps, 0)).toContain(kept);
    // The next build of the repository keeps its own image again.
    writeFileSync(join(ctx, 'f'), '8\n');
    expect((await build(`-t ${tag}:1`)).status).toMatch(/pulled by digest from helix-shared's store/);
    expect((await sh(id, `docker run --rm ${tag}:1 cat /f`)).out).toBe('8\n');
  });

  it('needs no registry at all', async () => {
    writeFileSync(join(ctx, 'f'), '6\n');
    const r = await build(`-t ${tag}:1`, 'HELIX_REGISTRY=nowhere.invalid:5000');
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/warning/);
    expect(r.status).toMatch(/pulled by digest from helix-shared's store/);
    expect((await sh(id, `docker run --rm ${tag}:1 cat /f`)).out).toBe('6\n');
  });
});

it("serves a session nothing of another project's images", async () => {
  const ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /secret\n` });
  const a = await session('fac-own', { project: 'fac-alpha', binds: [`${ctx}:/ctx`] });
  const b = await session('fac-other', { project: 'fac-beta' });
  const r = await sh(a, 'cd /ctx && docker build -t alpha/secret:1 .');
  expect(r.code, r.err).toBe(0);
  const { repo, digest } = built(a);
  const pull = await sh(b, `docker pull helix-facade:5002/${repo}@${digest}`);
  expect(pull.code).not.toBe(0);
  expect(pull.err).toMatch(/denied|unauthorized|authentication required/i);
  // Its own namespace's name does not help: the facade serves each repository its token names only.
  const own = await sh(b, `docker pull helix-facade:5002/helix-projects/fac-beta/x@${digest}`);
  expect(own.code).not.toBe(0);
});

it('lands every service of a compose build from the facade, and through the registry, with a warning each, when the facade fails', async () => {
  const n = nonce();
  const dir = context({
    'compose.yaml': 'services:\n  base:\n    build: { context: ., dockerfile: base.Dockerfile }\n    image: fcb/base:1\n  app:\n    build:\n      context: .\n      dockerfile: app.Dockerfile\n      additional_contexts: { fcb-base: "service:base" }\n    image: fcb/app:1\n',
    'base.Dockerfile': `FROM debian:trixie\nARG V=1\nRUN echo ${n}-$V > /base\n`,
    'app.Dockerfile': 'FROM fcb-base\nRUN cat /base > /app\n',
  });
  const id = await session('fac-compose', { project: 'fac-compose', binds: [`${dir}:/p`] });
  const first = await sh(id, 'cd /p && docker compose build');
  expect(first.code, first.err).toBe(0);
  for (const s of ['base', 'app']) expect(first.err).toMatch(new RegExp(`^helix: \\[${s}\\] fcb/${s}:1 changed, pulled by digest from helix-shared's store`, 'm'));
  writeFileSync(join(dir, 'base.Dockerfile'), `FROM debian:trixie\nARG V=2\nRUN echo ${n}-$V > /base\n`);
  const failing = await sh(id, 'cd /p && HELIX_FACADE=helix-registry:5000 docker compose build');
  expect(failing.code, failing.err).toBe(0);
  expect(failing.err.match(/^helix: warning: registry facade helix-registry:5000: .*; the image went the registry way instead$/gm)).toHaveLength(2);
  for (const s of ['base', 'app']) expect(failing.err).toMatch(new RegExp(`^helix: \\[${s}\\] fcb/${s}:1 changed, pulled by digest via the registry`, 'm'));
  expect((await sh(id, 'docker run --rm fcb/app:1 cat /app')).out).toBe(`${n}-2\n`);
});
