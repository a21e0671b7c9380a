// Under the containerd image store the local image id is the manifest digest, not the config digest:
// the wrapper must still skip unchanged images and pull changed ones.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

let id: string;
let ctx: string;

beforeAll(async () => {
  await sandboxUp(deps);
  ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /n\nCOPY f /f\n`, f: '1\n' });
  id = await session('ctrd', { binds: [`${ctx}:/ctx`], env: { HELIX_DAEMON_JSON: JSON.stringify({ features: { 'containerd-snapshotter': true } }) } });
});

it('runs a session daemon on the containerd image store', async () => {
  const r = await sh(id, "docker info -f '{{json .DriverStatus}}'");
  expect(r.out).toContain('io.containerd.snapshotter');
});

it('pulls a new image by digest, skips it unchanged, tags it under a new name and pulls a change', async () => {
  const first = await sh(id, 'cd /ctx && docker build -t ctrd/app:1 .');
  expect(first.code, first.err).toBe(0);
  expect(first.status).toMatch(/changed, pulled by digest from helix-shared's store/);
  expect((await sh(id, 'cd /ctx && docker build -t ctrd/app:1 .')).status).toMatch(/unchanged on helix-shared, load skipped/);
  expect((await sh(id, 'cd /ctx && docker build -t ctrd/app:2 .')).status).toMatch(/already present, tagged only/);
  writeFileSync(join(ctx, 'f'), '2\n');
  const changed = await sh(id, 'cd /ctx && docker build -t ctrd/app:1 .');
  expect(changed.status).toMatch(/changed, pulled by digest from helix-shared's store/);
  expect((await sh(id, 'docker run --rm ctrd/app:1 cat /f')).out).toBe('2\n');
});

it("leaves an untagged build without a name, as docker's builder does, for image prune to take", async () => {
  writeFileSync(join(ctx, 'untagged.Dockerfile'), `FROM debian:trixie\nCOPY f /f\nLABEL untagged=${nonce()}\n`);
  const images = async () => (await sh(id, "docker images -a --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' | sort")).out;
  const before = await images();
  const r = await sh(id, 'cd /ctx && docker build -q -f untagged.Dockerfile .');
  expect(r.code, r.err).toBe(0);
  const built = r.out.trim();
  // Nothing else added, removed or renamed on the way.
  expect((await images()).split('\n').filter((l) => !l.startsWith(built))).toEqual(before.split('\n'));
  const look = await sh(id, `docker image inspect -f '{{json .RepoTags}} {{json .RepoDigests}}' ${built} && docker images -q --no-trunc --filter dangling=true`);
  expect(look.out.split('\n')[0]).toBe('[] []');
  expect(look.out).toContain(built);
  expect((await sh(id, `docker image prune -f >/dev/null && docker image inspect ${built}`)).code).not.toBe(0);
});
