// The sh shim decides, without starting Node, which command lines need the wrapper's logic.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDX_GLOBALS, DOCKER_GLOBALS } from '../../src/wrapper/read/docker-argv.js';

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
    // --config is read for its value (the buildx dir under it); the others are skipped.
    expect(shimText).toMatch(/^\s*--config\) skip=config ;;$/m);
    const line = /^\s*(--context\|[^)]*)\) skip=1 ;;$/m.exec(shimText)?.[1];
    expect(['--config', ...(line?.split('|') ?? [])].sort()).toEqual([...DOCKER_GLOBALS.valueSpellings(), ...BUILDX_GLOBALS.valueSpellings()].sort());
  });

  it('falls back to the real docker when Node is missing', () => {
    const out = execFileSync(shim, ['build', '.'], { env: { PATH: process.env.PATH, HELIX_NODE: '/nonexistent' }, encoding: 'utf8' });
    expect(out.split('\n')[0]).toBe('real');
  });
});

describe('docker shim, buildx state', () => {
  const template = join(dir, 'buildx');
  const home = join(dir, 'home');
  const real = join(dir, 'show-buildx-config');
  writeFileSync(real, '#!/bin/sh\necho "${BUILDX_CONFIG:-unset}"\n');
  chmodSync(real, 0o755);
  const shimOwn = join(dir, 'docker-own');
  writeFileSync(shimOwn, shimText.replaceAll('@REAL_DOCKER@', real).replaceAll('@BUILDX_TEMPLATE@', template));
  chmodSync(shimOwn, 0o755);
  const config = (argv: string[], env: Record<string, string> = {}) =>
    execFileSync(shimOwn, argv, { env: { PATH: process.env.PATH, HELIX_NODE: '/nonexistent', HOME: home, ...env }, encoding: 'utf8' }).trim();
  const own = join(home, '.docker', 'buildx', 'instances', 'helix-shared');

  it("gives the user's own buildx dir the registered builders, and leaves buildx to find it there", () => {
    mkdirSync(join(template, 'instances'), { recursive: true });
    mkdirSync(home);
    writeFileSync(join(template, 'instances', 'helix-shared'), '{"Name":"helix-shared"}');
    expect(config(['buildx', 'ls'])).toBe('unset');
    expect(readFileSync(own, 'utf8')).toBe('{"Name":"helix-shared"}');
  });

  it('copies the builders again when helix-init changed them, and leaves a builder of the user alone', () => {
    writeFileSync(join(home, '.docker', 'buildx', 'instances', 'mine'), '{"Name":"mine"}');
    utimesSync(own, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    writeFileSync(join(template, 'instances', 'helix-shared'), '{"Name":"helix-shared","v":2}');
    config(['compose', 'build']);
    expect(readFileSync(own, 'utf8')).toBe('{"Name":"helix-shared","v":2}');
    expect(readFileSync(join(home, '.docker', 'buildx', 'instances', 'mine'), 'utf8')).toBe('{"Name":"mine"}');
  });

  it('drops the template as BUILDX_CONFIG (older hosts set it), and seeds the dir the user chose instead', () => {
    expect(config(['build', '.'], { BUILDX_CONFIG: template })).toBe('unset');
    expect(config(['buildx', 'ls'], { BUILDX_CONFIG: join(dir, 'elsewhere') })).toBe(join(dir, 'elsewhere'));
    expect(readFileSync(join(dir, 'elsewhere', 'instances', 'helix-shared'), 'utf8')).toContain('"v":2');
    config(['--config', join(dir, 'cfg'), 'buildx', 'ls']);
    expect(readFileSync(join(dir, 'cfg', 'buildx', 'instances', 'helix-shared'), 'utf8')).toContain('"v":2');
  });

  it('leaves commands that do not use buildx alone', () => {
    expect(config(['ps'], { BUILDX_CONFIG: template })).toBe(template);
  });
});
