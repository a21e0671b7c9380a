// docker buildx bake through the wrapper: a three-target file (one target FROM another) lands every
// image, unchanged targets are skipped, and the images are those plain bake leaves on the same builder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

let id: string;
const n = nonce();

beforeAll(async () => {
  await sandboxUp(deps);
  const dir = context({
    'docker-bake.hcl': [
      'group "default" { targets = ["base", "app", "tool"] }',
      'target "base" {',
      '  context = "base"',
      '  tags = ["bk/base:1"]',
      '}',
      'target "app" {',
      '  context = "app"',
      '  contexts = { "bk/base:1" = "target:base" }',
      '  tags = ["bk/app:1"]',
      '}',
      'target "tool" {',
      '  context = "tool"',
      '  args = { V = "one" }',
      '  tags = ["bk/tool:1", "bk/tool:latest"]',
      '}',
      '',
    ].join('\n'),
    'local.hcl': 'target "fromlocal" {\n  context = "app"\n  dockerfile-inline = "FROM bk/local:1\\nRUN cat /base > /fl\\n"\n  tags = ["bk/fromlocal:1"]\n}\n',
  });
  for (const [name, df] of [
    ['base', `FROM debian:trixie\nRUN echo base-${n} > /base\n`],
    ['app', 'FROM bk/base:1\nRUN cat /base > /app\n'],
    ['tool', 'FROM debian:trixie\nARG V\nRUN echo $V > /tool\n'],
  ] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'Dockerfile'), df);
  }
  id = await session('bake', { binds: [`${dir}:/bake`] });
});

const ids = async () => (await sh(id, "docker image inspect -f '{{.Id}}' bk/base:1 bk/app:1 bk/tool:1 bk/tool:latest")).out;

it('lands every target of a loading bake, one FROM another, and skips them all when unchanged', async () => {
  const first = await sh(id, 'cd /bake && docker buildx bake --load');
  expect(first.code, first.err).toBe(0);
  for (const t of ['base', 'app', 'tool']) expect(first.err).toMatch(new RegExp(`^helix: \\[${t}\\] bk/${t}:1.* changed, pulled by digest`, 'm'));
  expect((await sh(id, 'docker run --rm bk/app:1 cat /app')).out).toBe(`base-${n}\n`);
  expect((await sh(id, 'docker run --rm bk/tool:latest cat /tool')).out).toBe('one\n');
  const again = await sh(id, 'cd /bake && docker buildx bake --load');
  expect(again.code, again.err).toBe(0);
  expect(again.err.match(/unchanged on helix-shared, load skipped/g)).toHaveLength(3);
});

it("loads the images of a bake without --load, as bake on docker's own builder does", async () => {
  expect((await sh(id, 'docker rmi bk/tool:1 bk/tool:latest')).code).toBe(0);
  const r = await sh(id, 'cd /bake && docker buildx bake tool');
  expect(r.code, r.err).toBe(0);
  expect(r.err).not.toMatch(/No output specified/);
  expect(r.err).toMatch(/^helix: \[tool\] bk\/tool:1, bk\/tool:latest /m);
  expect((await sh(id, 'docker run --rm bk/tool:latest cat /tool')).out).toBe('one\n');
});

it('follows --set and named targets as bake does', async () => {
  const r = await sh(id, 'cd /bake && docker buildx bake --load --set tool.args.V=two tool');
  expect(r.code, r.err).toBe(0);
  expect(r.err).not.toMatch(/^helix: \[(base|app)\]/m);
  expect((await sh(id, 'docker run --rm bk/tool:1 cat /tool')).out).toBe('two\n');
});

it('leaves the image ids plain bake leaves on the same builder, and prints --print as plain bake does', async () => {
  await sh(id, 'cd /bake && docker buildx bake --load');
  const viaWrapper = await ids();
  const plain = await sh(id, 'cd /bake && /usr/bin/docker buildx bake --load');
  expect(plain.code, plain.err).toBe(0);
  expect(await ids()).toBe(viaWrapper);
  const [w, p] = await Promise.all([sh(id, 'cd /bake && docker buildx bake --print'), sh(id, 'cd /bake && /usr/bin/docker buildx bake --print')]);
  expect(w.code).toBe(p.code);
  expect(w.out).toBe(p.out);
});

it('writes the metadata file a bake on docker\'s own builder writes: local image ids as digests, the tags as names', async () => {
  // Per target: its keys, image.name, whether the digest is the local id of its first tag, its build arguments' names.
  const summary = (file: string) =>
    `/opt/helix/bin/node -e "const { execSync } = require('node:child_process'); const m = require('${file}'); for (const t of ['base', 'app', 'tool']) { const e = m[t]; const id = execSync('docker image inspect -f {{.Id}} ' + e['image.name'].split(',')[0]).toString().trim(); console.log(t, JSON.stringify([Object.keys(e).sort(), e['image.name'], e['containerimage.digest'] === id, Object.keys(e['buildx.build.provenance'].invocation.parameters.args ?? {}).sort()])); }"`;
  const w = await sh(id, `cd /bake && docker buildx bake --load --metadata-file /tmp/bw.json >/dev/null 2>&1 && ${summary('/tmp/bw.json')}`);
  expect(w.code, w.err).toBe(0);
  const p = await sh(id, `cd /bake && BUILDX_BUILDER=default /usr/bin/docker buildx bake --load --metadata-file /tmp/bp.json >/dev/null 2>&1 && ${summary('/tmp/bp.json')}`);
  expect(p.code, p.err).toBe(0);
  expect(w.out).toBe(p.out);
  expect(w.out).toMatch(/^tool .*"docker.io\/bk\/tool:1,docker.io\/bk\/tool:latest",true,/m);
});

it('gives a target the image the daemon has under the name it builds FROM, as a build does', async () => {
  expect((await sh(id, 'cd /bake && docker build -t bk/local:1 base')).code).toBe(0);
  const r = await sh(id, 'cd /bake && docker buildx bake -f local.hcl --load fromlocal');
  expect(r.code, r.err).toBe(0);
  expect((await sh(id, 'docker run --rm bk/fromlocal:1 cat /fl')).out).toBe(`base-${n}\n`);
});
