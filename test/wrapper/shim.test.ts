// The sh shim decides, without starting Node, which command lines need the wrapper's logic.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILDX_GLOBALS, DOCKER_GLOBALS } from '../../src/wrapper/docker-argv.js';

const shimText = readFileSync(join(import.meta.dirname, '../../rootfs/common/opt/helix/share/docker-wrapper.sh'), 'utf8');
const fixture = join(import.meta.dirname, '../fixtures/echo-argv.sh');
const dir = mkdtempSync(join(tmpdir(), 'shim-'));
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
