import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildxUsers, seedUserBuilders } from '../../src/init/user-buildx.js';

const PASSWD = ['root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin', 'retro:x:1000:1000::/home/retro:/bin/bash', 'ci:x:1001:999::/home/ci:/bin/sh', 'guest:x:1002:1002::/home/guest:/bin/sh'].join('\n');
const GROUP = ['root:x:0:', 'docker:x:999:retro', 'retro:x:1000:', 'guest:x:1002:'].join('\n');

describe('buildxUsers', () => {
  it('is root and the docker group, by its member list or as primary group', () => {
    expect(buildxUsers(PASSWD, GROUP).map((u) => u.name)).toEqual(['root', 'retro', 'ci']);
    expect(buildxUsers(PASSWD, 'docker:x:999:').map((u) => u.name)).toEqual(['root', 'ci']);
    expect(buildxUsers('', GROUP)).toEqual([]);
  });
});

describe('seedUserBuilders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helix-seed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const template = join(dir, 'template');
  mkdirSync(join(template, 'instances'), { recursive: true });
  writeFileSync(join(template, 'instances', 'helix-shared'), '{"Name":"helix-shared"}');
  const home = join(dir, 'home');
  mkdirSync(home);
  const user = { name: 'retro', uid: 4242, gid: 4243, home };

  it("writes the builder into the user's own buildx dir, owned by the user, and only when it changed", async () => {
    expect(await seedUserBuilders(template, [user, { name: 'gone', uid: 5, gid: 5, home: join(dir, 'nonexistent') }])).toEqual(['retro']);
    const file = join(home, '.docker', 'buildx', 'instances', 'helix-shared');
    expect(readFileSync(file, 'utf8')).toBe('{"Name":"helix-shared"}');
    for (const p of [file, join(home, '.docker'), join(home, '.docker', 'buildx')]) expect([statSync(p).uid, statSync(p).gid]).toEqual([4242, 4243]);
    expect(await seedUserBuilders(template, [user])).toEqual([]);
    writeFileSync(join(template, 'instances', 'helix-shared'), '{"Name":"helix-shared","v":2}');
    expect(await seedUserBuilders(template, [user])).toEqual(['retro']);
    expect(readFileSync(file, 'utf8')).toContain('"v":2');
  });
});
