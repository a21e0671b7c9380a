import { describe, expect, it } from 'vitest';
import { isBuildCommand, parseDockerArgv } from '../../../src/wrapper/read/docker-argv.js';

describe('parseDockerArgv', () => {
  it('finds the command after global flags in every spelling', () => {
    const d = parseDockerArgv(['--context', 'x', '-H=unix:///s', '-D', '--config=/c', '-l', 'debug', 'build', '-t', 'a', '.']);
    expect(d).toMatchObject({ command: ['build'], context: 'x', host: 'unix:///s', configDir: '/c', args: ['-t', 'a', '.'] });
    expect(d?.globals).toEqual(['--context', 'x', '-H=unix:///s', '-D', '--config=/c', '-l', 'debug']);
  });

  it('reads attached short global values', () => {
    expect(parseDockerArgv(['-cfoo', 'ps'])).toMatchObject({ context: 'foo', command: ['ps'], args: [] });
  });

  it('reads buildx options before the build subcommand', () => {
    expect(parseDockerArgv(['buildx', '--builder', 'b1', 'build', '.'])).toMatchObject({
      command: ['buildx', 'build'],
      buildxBuilder: 'b1',
      buildxGlobals: ['--builder', 'b1'],
      args: ['.'],
    });
  });

  it('gives up on a global flag it does not know, so the line passes through', () => {
    expect(parseDockerArgv(['--frobnicate', 'build', '.'])).toBeUndefined();
  });

  it('recognises every build entry point and nothing else', () => {
    for (const c of [['build'], ['image', 'build'], ['builder', 'build'], ['buildx', 'build'], ['buildx', 'b']]) expect(isBuildCommand(c)).toBe(true);
    for (const c of [['image', 'ls'], ['builder', 'prune'], ['buildx', 'ls'], ['ps'], []]) expect(isBuildCommand(c)).toBe(false);
  });
});
