import { describe, expect, it } from 'vitest';
import { loadHostConfig, USERNS_SIZE } from '../../src/host/host-config.js';
import { freeUsernsRange } from '../../src/host/userns-range.js';

describe('uid ranges of unprivileged desktops', () => {
  it('takes the first range no desktop holds, from the base, 65536 ids each', () => {
    expect(freeUsernsRange(1_000_000_000, [])).toBe(`1000000000:${USERNS_SIZE}`);
    expect(freeUsernsRange(1_000_000_000, ['1000000000:65536', '1000131072:65536'])).toBe('1000065536:65536');
    // A label someone else wrote is no range: it takes nothing.
    expect(freeUsernsRange(1_000_000_000, ['', 'x:y'])).toBe('1000000000:65536');
  });

  it('refuses in one line when no range is left below the last uid', () => {
    const last = 2 ** 32 - 2 - USERNS_SIZE + 1;
    expect(freeUsernsRange(last, [])).toBe(`${last}:${USERNS_SIZE}`);
    expect(() => freeUsernsRange(last, [`${last}:${USERNS_SIZE}`])).toThrow(expect.objectContaining({ code: 'NOT_READY', message: 'every uid range for unprivileged desktops is taken' }));
  });

  it('reads HELIX_USERNS_BASE, far above adduser\'s subordinate ranges by default, and names a bad one', () => {
    expect(loadHostConfig({}).usernsBase).toBe(1_000_000_000);
    expect(loadHostConfig({ HELIX_USERNS_BASE: '200000' }).usernsBase).toBe(200_000);
    expect(loadHostConfig({ HELIX_USERNS_BASE: '4294901759' }).usernsBase).toBe(2 ** 32 - 2 - USERNS_SIZE + 1);
    for (const bad of ['0', '-1', '1e9', '4294901760'])
      expect(() => loadHostConfig({ HELIX_USERNS_BASE: bad })).toThrow(expect.objectContaining({ code: 'BAD_CONFIG', message: expect.stringMatching(/^HELIX_USERNS_BASE=".*" is not a uid from 65536 to 4294901759$/) }));
  });
});
