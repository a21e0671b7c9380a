import { describe, expect, it } from 'vitest';
import { isTrue, lastValue, parseBuildArgs, renderArgs, values, without } from '../../../src/wrapper/read/build-flags.js';

function parse(args: string[]) {
  const r = parseBuildArgs(args);
  if (!r.ok) throw new Error(r.reason);
  return r.build;
}

describe('parseBuildArgs', () => {
  it('reads long, =, short, attached and short= forms of value flags', () => {
    const b = parse(['--tag', 'a', '--tag=b', '-t', 'c', '-td', '-t=e', '.']);
    expect(values(b, 'tag')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(b.positionals).toEqual(['.']);
  });

  it('reads clustered shorthands, a bool followed by a value flag', () => {
    const b = parse(['-qt', 'x', 'ctx']);
    expect(isTrue(b, 'quiet')).toBe(true);
    expect(values(b, 'tag')).toEqual(['x']);
    expect(b.positionals).toEqual(['ctx']);
  });

  it('keeps a build-arg value that looks like a flag', () => {
    const b = parse(['--build-arg', '--weird=1', '.']);
    expect(values(b, 'build-arg')).toEqual(['--weird=1']);
  });

  it('reads bool flags with explicit values', () => {
    const b = parse(['--push=false', '--load', '.']);
    expect(isTrue(b, 'push')).toBe(false);
    expect(isTrue(b, 'load')).toBe(true);
  });

  it('treats - as the stdin context and everything after -- as positional', () => {
    expect(parse(['-f', '-', '-']).positionals).toEqual(['-']);
    expect(parse(['--', '-odd-dir']).positionals).toEqual(['-odd-dir']);
  });

  it('accepts the hidden flags docker build command lines still use', () => {
    const b = parse(['--rm', '--force-rm', '-m', '1g', '--isolation', 'default', '.']);
    expect(lastValue(b, 'memory')).toBe('1g');
  });

  it('refuses unknown flags and missing values so the command passes through unchanged', () => {
    expect(parseBuildArgs(['--no-such-flag', '.'])).toEqual({ ok: false, reason: 'unknown flag --no-such-flag' });
    expect(parseBuildArgs(['-Z', '.']).ok).toBe(false);
    expect(parseBuildArgs(['--tag']).ok).toBe(false);
    expect(parseBuildArgs(['-t']).ok).toBe(false);
  });
});

describe('renderArgs', () => {
  it('renders every flag in long form, without the dropped ones', () => {
    const b = parse(['-t', 'a', '--load', '-q', '--build-arg', 'X=1 2', '--builder', 'z', '.']);
    expect(renderArgs(without(b, ['builder', 'load']))).toEqual(['--tag=a', '--quiet', '--build-arg=X=1 2', '.']);
  });

  it('puts a flag-like context after --', () => {
    expect(renderArgs(parse(['--', '-dir']))).toEqual(['--', '-dir']);
  });
});
