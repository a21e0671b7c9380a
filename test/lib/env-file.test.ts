import { describe, expect, it } from 'vitest';
import { HelixError } from '../../src/lib/errors.js';
import { mergeEnvironmentFile, renderEnvironmentD, renderProfileScript, renderSystemdDefaultEnvironment, shQuote, withManagedBlock } from '../../src/lib/env-file.js';

const P = '/etc/environment';

describe('mergeEnvironmentFile', () => {
  it('appends missing keys and keeps every other line as it was', () => {
    const before = '# comment\nPATH="/usr/local/bin:/usr/bin"\n\nLANG=C.UTF-8\n';
    expect(mergeEnvironmentFile(before, { BUILDX_BUILDER: 'helix-shared' }, P)).toBe(`${before}BUILDX_BUILDER=helix-shared\n`);
  });

  it('replaces a key in place and drops duplicates an earlier tool appended', () => {
    const before = 'A=1\nBUILDX_BUILDER=old\nB=2\nBUILDX_BUILDER=old\nexport BUILDX_BUILDER=older\n';
    expect(mergeEnvironmentFile(before, { BUILDX_BUILDER: 'new' }, P)).toBe('A=1\nBUILDX_BUILDER=new\nB=2\n');
  });

  it('is idempotent: merging twice changes nothing', () => {
    const once = mergeEnvironmentFile('X=1\n', { A: 'tcp://h:1234', B: 'has space' }, P);
    expect(mergeEnvironmentFile(once, { A: 'tcp://h:1234', B: 'has space' }, P)).toBe(once);
    expect(once).toBe('X=1\nA=tcp://h:1234\nB="has space"\n');
  });

  it('refuses a malformed file, naming it and the line', () => {
    expect(() => mergeEnvironmentFile('A=1\nthis is not an assignment\n', { B: '1' }, P)).toThrowError(/\/etc\/environment:2: not a KEY=value line/);
  });

  it('refuses values that cannot be carried safely', () => {
    expect(() => mergeEnvironmentFile('', { A: 'x\ny' }, P)).toThrow(HelixError);
    expect(() => mergeEnvironmentFile('', { A: 'a"b' }, P)).toThrow(HelixError);
  });
});

describe('renderProfileScript', () => {
  it('exports each variable quoted for sh', () => {
    expect(renderProfileScript({ A: "it's" }, 'hdr')).toBe(`# hdr\nexport A='it'\\''s'\n`);
    expect(shQuote('')).toBe("''");
  });
});

describe('withManagedBlock', () => {
  it('appends our block once and replaces it in place afterwards', () => {
    const once = withManagedBlock('# distro bashrc\nalias ll=ls', 'source a');
    expect(once).toBe('# distro bashrc\nalias ll=ls\n# >>> helix >>>\nsource a\n# <<< helix <<<\n');
    expect(withManagedBlock(once, 'source a')).toBe(once);
    expect(withManagedBlock(`${once}after\n`, 'source b')).toBe('# distro bashrc\nalias ll=ls\n# >>> helix >>>\nsource b\n# <<< helix <<<\nafter\n');
  });
});

describe('systemd environment files', () => {
  it('quotes DefaultEnvironment assignments and writes environment.d lines', () => {
    expect(renderSystemdDefaultEnvironment({ A: 'x y', B: 'q"' }, 'h')).toBe('# h\n[Manager]\nDefaultEnvironment="A=x y" "B=q\\""\n');
    expect(renderEnvironmentD({ A: 'tcp://h:1' }, 'h')).toBe('# h\nA=tcp://h:1\n');
  });
});
