// Local images as bases, black-box: the same builds, one session through the wrapper (shared builder),
// one with plain docker on its own default builder (which sees the daemon's images). Built, loaded
// and re-tagged images are used by FROM (also through an ARG), COPY --from, a named context, and over
// a mirror name.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

let ctx: string;
const n = nonce();

beforeAll(async () => {
  await sandboxUp(deps);
  ctx = context({});
  const dir = (name: string, dockerfile: string) => {
    mkdirSync(join(ctx, name));
    writeFileSync(join(ctx, name, 'Dockerfile'), dockerfile);
  };
  dir('a', `FROM debian:trixie\nRUN echo a-${n} > /a\n`);
  dir('b', 'ARG BASE=chain/a\nFROM ${BASE}\nRUN echo b > /b\n');
  dir('c', 'FROM debian:trixie\nCOPY --from=chain/b /a /b /\n');
  dir('d', 'FROM loaded/base\nRUN cat /loaded > /d\n');
  dir('m', `FROM debian:trixie\nRUN echo marker-${n} > /marker\n`);
  dir('e', 'FROM debian:trixie\nRUN cat /marker > /e\n');
  dir('f', 'FROM debian:trixie\nCOPY --from=src /loaded /f\n');
  // An image made elsewhere, as a user would docker load it.
  dir('loaded', `FROM debian:trixie\nRUN echo loaded-${n} > /loaded\n`);
  execFileSync('docker', ['build', '-q', '-t', `helix-test/loaded:${process.pid}`, join(ctx, 'loaded')], { stdio: 'ignore' });
  execFileSync('docker', ['save', '-o', join(ctx, 'loaded.tar'), `helix-test/loaded:${process.pid}`]);
  execFileSync('docker', ['image', 'rm', `helix-test/loaded:${process.pid}`], { stdio: 'ignore' });
});

const script = [
  'set -e',
  'cd /ctx/a && docker build -q -t chain/a . >/dev/null',
  'cd /ctx/b && docker build -q -t chain/b . >/dev/null',
  'cd /ctx/c && docker build -q -t chain/c . >/dev/null',
  `docker load -q -i /ctx/loaded.tar >/dev/null && docker tag helix-test/loaded:${process.pid} loaded/base`,
  'cd /ctx/d && docker build -q -t chain/d . >/dev/null',
  // A named context of a local image.
  'cd /ctx/f && docker build -q --build-context src=docker-image://loaded/base -t chain/f . >/dev/null',
  // A local image under a name the registry mirrors: the local one wins.
  'cd /ctx/m && docker build -q -t debian:trixie . >/dev/null',
  'cd /ctx/e && docker build -q -t chain/e . >/dev/null',
  'docker run --rm chain/c cat /a /b',
  'docker run --rm chain/d cat /d',
  'docker run --rm chain/f cat /f',
  'docker run --rm chain/e cat /e',
].join('\n');

it.each([
  { engine: '26', image: deps.cfg.desktopImage },
  { engine: '28', image: 'helix/ubuntu-helix:newest' },
])('builds on images the daemon has, as plain docker does: built, loaded, through an ARG, COPY --from, a named context, over a mirror name (engine $engine)', async ({ engine, image }) => {
  const binds = [`${ctx}:/ctx:ro`];
  const [w, p] = await Promise.all([session(`bases-w${engine}`, { image, binds }), session(`bases-p${engine}`, { image, binds })]);
  const wrapped = await sh(w, script);
  const plain = await sh(p, `export BUILDX_BUILDER=default\n${script}`);
  expect(plain.code, plain.err).toBe(0);
  expect(plain.out).toBe(`a-${n}\nb\nloaded-${n}\nloaded-${n}\nmarker-${n}\n`);
  expect(wrapped.code, wrapped.err).toBe(0);
  expect(wrapped.out).toBe(plain.out);
  // Every build went through the shared builder.
  expect(wrapped.err.match(/^helix: chain\/\w /gm)).toHaveLength(6);
});
