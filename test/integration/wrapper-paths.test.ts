// The wrapper against the real stack: each interception form and each load path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

let id: string;
let ctx: string;

beforeAll(async () => {
  await sandboxUp(deps);
  ctx = context({ Dockerfile: `FROM debian:trixie\nRUN echo ${nonce()} > /nonce\nCOPY file.txt /file.txt\n`, 'file.txt': 'one\n' });
  id = await session('paths', { binds: [`${ctx}:/ctx`] });
});

const build = (args: string) => sh(id, `cd /ctx && docker ${args}`);

describe('load paths', () => {
  it("pulls a new image by digest from the builder's store and leaves no transfer reference", async () => {
    const r = await build('build -t paths/app:1 .');
    expect(r.code, r.err).toBe(0);
    expect(r.status).toMatch(/paths\/app:1 changed, pulled by digest from helix-shared's store .*MB moved/);
    const refs = await sh(id, `docker image inspect -f '{{json .RepoTags}} {{json .RepoDigests}}' paths/app:1; docker images --format '{{.Repository}}'`);
    expect(refs.out).toContain('["paths/app:1"] []');
    expect(refs.out).not.toMatch(/helix-registry|helix-facade/);
  });

  it('skips the load when the local image is unchanged', async () => {
    const r = await build('build -t paths/app:1 .');
    expect(r.status).toMatch(/paths\/app:1 unchanged on helix-shared, load skipped/);
  });

  it('tags only when the image is present under another name', async () => {
    const r = await build('build -t paths/other:2 .');
    expect(r.status).toMatch(/paths\/other:2 already present, tagged only/);
    const ids = await sh(id, `docker image inspect -f '{{.Id}}' paths/app:1 paths/other:2 | sort -u | wc -l`);
    expect(ids.out.trim()).toBe('1');
  });

  it('moves only the changed top layer after a one-line change', async () => {
    writeFileSync(join(ctx, 'file.txt'), 'two\n');
    const r = await build('build --progress=plain -t paths/app:1 .');
    expect(r.status).toMatch(/changed, pulled by digest from helix-shared's store \(.*, [\d.]+ k?B moved\)/);
    const out = await sh(id, 'docker run --rm paths/app:1 cat /file.txt');
    expect(out.out).toBe('two\n');
  });

  it('falls back to a tarball load with one warning when neither the registry nor the facade is reachable', async () => {
    writeFileSync(join(ctx, 'file.txt'), 'four\n');
    const t = await sh(id, 'cd /ctx && HELIX_REGISTRY=nowhere.invalid:5000 HELIX_FACADE=nowhere.invalid:5002 docker build -t paths/app:1 .');
    expect(t.code, t.err).toBe(0);
    expect(t.err.match(/^helix: warning: /gm)).toHaveLength(1);
    expect(t.err).toMatch(/registry nowhere.invalid:5000 is unreachable; fell back to a tarball load/);
    expect(t.status).toMatch(/loaded as a tarball/);
    expect((await sh(id, 'docker run --rm paths/app:1 cat /file.txt')).out).toBe('four\n');
  });

  it('builds with the local builder, with one warning, when the shared BuildKit is unreachable', async () => {
    const local = context({ Dockerfile: 'FROM scratch\nCOPY file.txt /file.txt\n', 'file.txt': 'local\n' });
    const other = await session('nobk', { binds: [`${local}:/ctx`] });
    const r = await sh(other, 'cd /ctx && BUILDKIT_HOST=tcp://nowhere.invalid:1234 docker build -t paths/local:1 .');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^helix: warning: shared BuildKit at tcp:\/\/nowhere.invalid:1234 is unreachable; built with the local builder$/m);
    expect(r.status).toMatch(/built with the local builder/);
    expect((await sh(other, 'docker image inspect -f ok paths/local:1')).out.trim()).toBe('ok');
  });
});

describe('interception forms', () => {
  it.each([
    'image build',
    'builder build',
    'buildx build',
    'buildx b',
    '--context default build',
    '-D build',
    'buildx --builder helix-shared build',
  ])('routes `docker %s` to the shared builder', async (form) => {
    const r = await build(`${form} -t paths/form:1 .`);
    expect(r.code, r.err).toBe(0);
    expect(r.status).toMatch(/^helix: paths\/form:1 /);
  });

  it('builds a stdin Dockerfile and a stdin context in one solve', async () => {
    const a = await sh(id, `cd /ctx && docker build -t paths/stdin:1 -f - . < /ctx/Dockerfile`);
    expect(a.code, a.err).toBe(0);
    expect(a.status).toMatch(/^helix: paths\/stdin:1 /);
    const b = await sh(id, `printf 'FROM debian:trixie\\nRUN echo stdin-${nonce()} > /s\\n' | docker build -t paths/stdin:2 -`);
    expect(b.code, b.err).toBe(0);
    expect((await sh(id, 'docker run --rm paths/stdin:2 cat /s')).out).toMatch(/^stdin-/);
  });

  it("builds in the host network on the session's own builder, as plain docker does, a build, a compose service and a bake target alike", async () => {
    const hostNet = `mkdir -p /tmp/hn && cd /tmp/hn && printf 'FROM debian:trixie\\nRUN echo ${nonce()} > /n\\n' > Dockerfile && printf 'services:\\n  hn:\\n    build:\\n      context: .\\n      network: host\\n' > compose.yaml`;
    const b = await sh(id, `${hostNet} && docker build --network=host -t paths/hostnet:1 . && docker image inspect -f ok paths/hostnet:1`);
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/^#0 building with "default" instance using docker driver$/m);
    expect(b.status).toBe("helix: --network=host needs the session's own builder; built with the local builder");
    expect(b.out.trim().split('\n').pop()).toBe('ok');
    const c = await sh(id, 'cd /tmp/hn && docker compose build && docker image inspect -f ok hn-hn');
    expect(c.code, c.err).toBe(0);
    expect(c.status).toBe("helix: service hn: --network=host needs the session's own builder; built with the local builder");
    // bake too, where it asks for the entitlement as plain bake does, naming the command line as given.
    const bakeFile = `printf 'target "hn" {\\n  tags = ["paths/bake-hn:1"]\\n  network = "host"\\n}\\n' > docker-bake.hcl`;
    const refused = await sh(id, `cd /tmp/hn && ${bakeFile} && docker buildx bake hn`);
    const plainRefused = await sh(id, 'cd /tmp/hn && BUILDX_BUILDER=default /usr/bin/docker buildx bake hn');
    expect(refused.code).toBe(plainRefused.code);
    expect(refused.err.replace(/^helix: .*\n/m, '')).toBe(plainRefused.err);
    const k = await sh(id, 'cd /tmp/hn && docker buildx bake --allow network.host hn && docker image inspect -f ok paths/bake-hn:1');
    expect(k.code, k.err).toBe(0);
    expect(k.status).toBe("helix: target hn: --network=host needs the session's own builder; built with the local builder");
  });

  it('leaves builds on another builder to docker', async () => {
    const scratch = context({ Dockerfile: 'FROM scratch\nCOPY f /f\n', f: 'x\n' });
    const other = await session('plain', { binds: [`${scratch}:/ctx`] });
    const r = await sh(other, 'cd /ctx && BUILDX_BUILDER=default docker build -q -t paths/plain:1 .');
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/^helix: /m);
    expect(r.out).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });
});
