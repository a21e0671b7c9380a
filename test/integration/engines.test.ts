// The wrapper on both engines the package registries serve (Debian trixie's 26 and the newest, sid's
// 28) and both image stores: the load paths, a local image as a base, compose's image ids, a bake,
// and root and the desktop user building in turn.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxUp } from '../../src/host/sandbox.js';
import { context, deps, nonce, session, sh } from './helpers.js';

const CONTAINERD = { HELIX_DAEMON_JSON: JSON.stringify({ features: { 'containerd-snapshotter': true } }) };

beforeAll(() => sandboxUp(deps));

describe.each([
  { engine: '26', image: deps.cfg.desktopImage, store: 'classic' },
  { engine: '26', image: deps.cfg.desktopImage, store: 'containerd' },
  { engine: '28', image: 'helix/ubuntu-helix:newest', store: 'classic' },
  { engine: '28', image: 'helix/ubuntu-helix:newest', store: 'containerd' },
])('engine $engine, $store image store', ({ engine, image, store }) => {
  let id: string;
  const n = nonce();

  beforeAll(async () => {
    const dir = context({
      'compose.yaml': 'name: eng\nservices:\n  web:\n    build:\n      context: ./a\n      labels:\n        team: core\n',
      'docker-bake.hcl': 'group "default" { targets = ["a", "b"] }\ntarget "a" {\n  context = "a"\n  tags = ["bk/a:1"]\n}\ntarget "b" {\n  context = "b"\n  contexts = { "chain/a" = "target:a" }\n  tags = ["bk/b:1"]\n}\n',
    });
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'Dockerfile'), `FROM debian:trixie\nRUN echo a-${n} > /a\n`);
    writeFileSync(join(dir, 'b', 'Dockerfile'), 'FROM chain/a\nRUN cat /a > /b\n');
    id = await session(`eng${engine}${store}`, { image, binds: [`${dir}:/p`], env: store === 'containerd' ? CONTAINERD : {} });
  });

  it('runs that engine with that store', async () => {
    const v = await sh(id, "docker version -f '{{.Server.Version}}'; docker info -f '{{json .DriverStatus}}'");
    expect(v.out.split('\n')[0]).toMatch(new RegExp(`^${engine}\\.`));
    expect(v.out.includes('io.containerd.snapshotter')).toBe(store === 'containerd');
  });

  it('pulls a new image, skips it unchanged, tags it under another name, and builds FROM it as a local image', async () => {
    const paths: string[] = [];
    for (const cmd of ['build --metadata-file /tmp/meta.json -t chain/a /p/a', 'build -t chain/a /p/a', 'build -t chain/a2 /p/a']) {
      const r = await sh(id, `docker ${cmd}`);
      expect(r.code, r.err).toBe(0);
      paths.push(r.status ?? '');
    }
    expect(paths[0]).toMatch(/changed, pulled by digest/);
    // The metadata file names the image as docker's builder does: by its local id, under its tag.
    const meta = await sh(id, `docker image inspect -f '{{.Id}}' chain/a; /opt/helix/bin/node -p "const m = require('/tmp/meta.json'); m['containerimage.digest'] + ' ' + m['image.name']"`);
    const [localId, written] = meta.out.trim().split('\n');
    expect(written).toBe(`${localId} docker.io/chain/a`);
    expect(paths[1]).toMatch(/unchanged on helix-shared, load skipped/);
    expect(paths[2]).toMatch(/already present, tagged only/);
    const b = await sh(id, 'docker build -t chain/b /p/b && docker run --rm chain/b cat /b');
    expect(b.code, b.err).toBe(0);
    expect(b.out).toBe(`a-${n}\n`);
  });

  it('leaves plain compose image ids, and lands every target of a bake', async () => {
    const wrapped = await sh(id, 'cd /p && docker compose build');
    expect(wrapped.code, wrapped.err).toBe(0);
    const viaWrapper = (await sh(id, "docker image inspect -f '{{.Id}}' eng-web")).out;
    const plain = await sh(id, 'cd /p && /usr/bin/docker compose build');
    expect(plain.code, plain.err).toBe(0);
    expect((await sh(id, "docker image inspect -f '{{.Id}}' eng-web")).out).toBe(viaWrapper);
    const bake = await sh(id, 'cd /p && docker buildx bake --load');
    expect(bake.code, bake.err).toBe(0);
    expect(bake.err.match(/^helix: \[(a|b)\] /gm)).toHaveLength(2);
    expect((await sh(id, 'docker run --rm bk/b:1 cat /b')).out).toBe(`a-${n}\n`);
  });

  it('lets root and the desktop user build in turn', async () => {
    for (const who of ['retro', 'root', 'retro']) {
      const build = 'docker build -q -t turn/a /p/a';
      const r = await sh(id, who === 'root' ? build : `su - retro -c '${build}'`);
      expect(r.code, `${who}: ${r.err}`).toBe(0);
    }
  });
});
