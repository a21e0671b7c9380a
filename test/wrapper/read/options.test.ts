import { describe, expect, it } from 'vitest';
import { OptionTable, scanOptions } from '../../../src/wrapper/read/options.js';

const t = new OptionTable([['tag', 'value', 't'], ['quiet', 'bool', 'q'], ['detach', 'bool', 'd']]);

describe('scanOptions', () => {
  it('reads long, =, short, attached, short= and clustered forms as pflag does', () => {
    const s = scanOptions(['--tag', 'a', '--tag=b', '-t', 'c', '-td', '-t=e', '-qdt', 'f', '--quiet=false', 'ctx'], t, { interspersed: true });
    expect(s.opts.map((o) => [o.name, o.value])).toEqual([
      ['tag', 'a'], ['tag', 'b'], ['tag', 'c'], ['tag', 'd'], ['tag', 'e'], ['quiet', 'true'], ['detach', 'true'], ['tag', 'f'], ['quiet', 'false'],
    ]);
    expect(s.positionals).toEqual(['ctx']);
    expect(s.error).toBeUndefined();
  });

  it('records where each option starts, so a caller can rewrite exactly those words', () => {
    expect(scanOptions(['-t', '--quiet', '--quiet'], t).opts).toEqual([{ name: 'tag', value: '--quiet', at: 0 }, { name: 'quiet', value: 'true', at: 2 }]);
  });

  it('stops at the first positional unless options may follow positionals', () => {
    expect(scanOptions(['-q', 'svc', '-d'], t)).toMatchObject({ next: 1, positionals: [] });
    expect(scanOptions(['-q', 'svc', '-d'], t, { interspersed: true })).toMatchObject({ next: 3, positionals: ['svc'] });
  });

  it('ends the options at --', () => {
    expect(scanOptions(['-q', '--', '-d'], t, { interspersed: true })).toMatchObject({ positionals: ['-d'] });
    expect(scanOptions(['-q', '--', '-d'], t)).toMatchObject({ next: 1, positionals: [] });
  });

  it('names what it cannot read', () => {
    expect(scanOptions(['--nope'], t).error).toBe('unknown flag --nope');
    expect(scanOptions(['-qz'], t).error).toBe('unknown shorthand -z');
    expect(scanOptions(['--tag'], t).error).toBe('flag --tag needs a value');
    expect(scanOptions(['-t'], t).error).toBe('flag -t needs a value');
  });

  it('lists the spellings of options that take a value', () => {
    expect(t.valueSpellings()).toEqual(['--tag', '-t']);
  });
});
