// The sh shim decides, without starting Node, which command lines need the wrapper's logic.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDX_GLOBALS, DOCKER_GLOBALS } from '../../src/wrapper/docker-argv.js';

const shimText = readFileSync(join(import.meta.dirname, '../../rootfs/common/opt/helix/share/docker-wrapper.sh'), 'utf8');
const fixture = join(import.meta.dirname, '../fixtures/echo-argv.sh');
const dir = mkdtempSync(join(tmpdir(), 'shim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shim = join(dir, 'docker');
writeFileSync(shim, shimText.replaceAll('@REAL_DOCKER@', fixture));
chmodSync(shim, 0o755);
const fakeNode = join(dir, 'node');
writeFileSync(fakeNode, `#!/bin/sh\nFIXTURE_TAG=node exec ${fixture} "$@"\n`);
chmodSync(fakeNode, 0o755);

function through(...argv: string[]): { to: string; argv: string[] } {
  const out = execFileSync(shim, argv, { env: { PATH: process.env.PATH, HELIX_NODE: fakeNode }, encoding: 'utf8' });
  const [to, ...rest] = out.replace(/\n$/, '').split('\n');
  const got = to === 'node' ? rest.slice(1) : rest; // node's first argument is the wrapper bundle
  return { to: to as string, argv: got };
}

describe('docker shim', () => {
  it('execs the real docker directly for non-build commands, argv intact', () => {
    expect(through('ps', '-a')).toEqual({ to: 'real', argv: ['ps', '-a'] });
    expect(through('run', '--rm', 'img', 'sh', '-c', 'echo "a b"')).toEqual({ to: 'real', argv: ['run', '--rm', 'img', 'sh', '-c', 'echo "a b"'] });
    expect(through('image', 'ls').to).toBe('real');
    expect(through('buildx', 'ls').to).toBe('real');
    expect(through('--context', 'build', 'ps').to).toBe('real');
    expect(through().to).toBe('real');
  });

  it('hands every build spelling to the wrapper, after global flags too', () => {
    for (const argv of [
      ['build', '.'],
      ['image', 'build', '.'],
      ['builder', 'build', '.'],
      ['buildx', 'build', '.'],
      ['buildx', 'b', '.'],
      ['-H', 'tcp://h:1', '--context', 'c', 'build', '-t', 'a b', '.'],
      ['buildx', '--builder', 'x', 'build', '.'],
      ['-D', 'buildx', '-D', 'build', '.'],
      ['buildx', 'bake', '--load'],
      ['compose', 'up', '-d'],
      ['compose', '-f', 'c.yml', 'create'],
    ]) {
      expect(through(...argv)).toEqual({ to: 'node', argv });
    }
  });

  it('skips the value of exactly the global options the wrapper table says take one', () => {
    const line = /^\s*(--config\|[^)]*)\) skip=1 ;;$/m.exec(shimText)?.[1];
    expect(line?.split('|').sort()).toEqual([...DOCKER_GLOBALS.valueSpellings(), ...BUILDX_GLOBALS.valueSpellings()].sort());
  });

  it('falls back to the real docker when Node is missing', () => {
    const out = execFileSync(shim, ['build', '.'], { env: { PATH: process.env.PATH, HELIX_NODE: '/nonexistent' }, encoding: 'utf8' });
    expect(out.split('\n')[0]).toBe('real');
  });
});

describe('docker shim, buildx state', () => {
  const shared = join(dir, 'buildx');
  const real = join(dir, 'show-buildx-config');
  writeFileSync(real, '#!/bin/sh\necho "$BUILDX_CONFIG"\n');
  chmodSync(real, 0o755);
  const shimOwn = join(dir, 'docker-own');
  writeFileSync(shimOwn, shimText.replaceAll('@REAL_DOCKER@', real).replaceAll('@BUILDX_CONFIG@', shared));
  chmodSync(shimOwn, 0o755);
  const config = (...argv: string[]) => execFileSync(shimOwn, argv, { env: { PATH: process.env.PATH, HELIX_NODE: '/nonexistent', BUILDX_CONFIG: shared }, encoding: 'utf8' }).trim();
  const uid = String(process.getuid?.());

  it('gives each user a buildx config dir of their own, seeded with the registered builders', () => {
    mkdirSync(join(shared, 'instances'), { recursive: true });
    writeFileSync(join(shared, 'instances', 'helix-shared'), '{"Name":"helix-shared"}');
    expect(config('buildx', 'ls')).toBe(join(shared, 'users', uid));
    expect(readFileSync(join(shared, 'users', uid, 'instances', 'helix-shared'), 'utf8')).toBe('{"Name":"helix-shared"}');
    expect(config('compose', 'build')).toBe(join(shared, 'users', uid));
  });

  it('copies the builders again when helix-init changed them', () => {
    const own = join(shared, 'users', uid, 'instances');
    utimesSync(own, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    writeFileSync(join(shared, 'instances', 'helix-shared'), '{"Name":"helix-shared","v":2}');
    utimesSync(join(shared, 'instances'), new Date(), new Date());
    config('build', '.');
    expect(readFileSync(join(own, 'helix-shared'), 'utf8')).toBe('{"Name":"helix-shared","v":2}');
  });

  it('leaves the config dir alone for commands that do not use buildx, and for a dir the user chose', () => {
    expect(config('ps')).toBe(shared);
    const mine = execFileSync(shimOwn, ['buildx', 'ls'], { env: { PATH: process.env.PATH, BUILDX_CONFIG: '/elsewhere' }, encoding: 'utf8' }).trim();
    expect(mine).toBe('/elsewhere');
  });
});
