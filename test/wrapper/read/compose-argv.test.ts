import { describe, expect, it } from 'vitest';
import { buildsImplicitly, flag, optAll, parseComposeArgv, withoutBuild } from '../../../src/wrapper/read/compose-argv.js';

describe('parseComposeArgv', () => {
  it('reads compose globals, the subcommand, its options and services', () => {
    const c = parseComposeArgv(['-f', 'a.yml', '--file=b.yml', '-p', 'proj', '--profile', 'dev', 'build', '--build-arg', 'X=1', '-q', 'api', 'web']);
    expect(c?.globals).toEqual(['-f', 'a.yml', '--file=b.yml', '-p', 'proj', '--profile', 'dev']);
    expect(c?.sub).toBe('build');
    expect(optAll(c!, 'build-arg')).toEqual(['X=1']);
    expect(flag(c!, 'quiet')).toBe(true);
    expect(c?.services).toEqual(['api', 'web']);
  });

  it('reads up options with values so services are found after them', () => {
    const c = parseComposeArgv(['up', '-t', '10', '--build', '-d', '--scale', 'web=2', 'web']);
    expect(flag(c!, 'build')).toBe(true);
    expect(flag(c!, 'detach')).toBe(true);
    expect(c?.services).toEqual(['web']);
  });

  it('takes only the service from run, not the command for the container', () => {
    const c = parseComposeArgv(['run', '--build', '--rm', '-e', 'A=1', 'api', 'sh', '-c', 'echo --build']);
    expect(c?.services).toEqual(['api']);
  });

  it('passes through other subcommands and unknown flags', () => {
    expect(parseComposeArgv(['ps'])).toBeUndefined();
    expect(parseComposeArgv(['up', '--no-such', 'web'])).toBeUndefined();
    expect(parseComposeArgv(['--nope', 'build'])).toBeUndefined();
    expect(parseComposeArgv(['run', '--build'])).toBeUndefined();
  });
});

describe('withoutBuild', () => {
  it('turns up --build into up --no-build and leaves everything else', () => {
    const c = parseComposeArgv(['-p', 'x', 'up', '-t', '--build', '--build', '-d', 'web'])!;
    // `-t --build` gives the timeout the value "--build"; only the real flag changes.
    expect(withoutBuild(c)).toEqual(['-p', 'x', 'up', '-t', '--build', '--no-build', '-d', 'web']);
  });

  it('drops --build from run, and never touches the container command', () => {
    const c = parseComposeArgv(['run', '--build', 'api', 'echo', '--build'])!;
    expect(withoutBuild(c)).toEqual(['run', 'api', 'echo', '--build']);
  });
});

describe('parseComposeArgv clusters', () => {
  it('reads clustered shorthands as compose does', () => {
    const c = parseComposeArgv(['up', '-dV', '--build', 'web']);
    expect(flag(c!, 'detach')).toBe(true);
    expect(flag(c!, 'renew-anon-volumes')).toBe(true);
    expect(c?.services).toEqual(['web']);
  });
});

describe('implicit builds', () => {
  it('adds --no-build to up and create without --build, and leaves run as it is', () => {
    const up = parseComposeArgv(['-p', 'x', 'up', '-d', 'web'])!;
    expect(buildsImplicitly(up)).toBe(true);
    expect(withoutBuild(up)).toEqual(['-p', 'x', 'up', '--no-build', '-d', 'web']);
    expect(withoutBuild(parseComposeArgv(['create'])!)).toEqual(['create', '--no-build']);
    expect(withoutBuild(parseComposeArgv(['run', 'api', 'echo'])!)).toEqual(['run', 'api', 'echo']);
  });

  it('builds nothing itself under --no-build, and only as told under --build', () => {
    expect(buildsImplicitly(parseComposeArgv(['up', '--no-build'])!)).toBe(false);
    expect(buildsImplicitly(parseComposeArgv(['up', '--build'])!)).toBe(false);
    expect(buildsImplicitly(parseComposeArgv(['build'])!)).toBe(false);
  });
});
