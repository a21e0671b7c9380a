import { describe, expect, it } from 'vitest';
import { busyMs } from '../../src/harness/machine-cpu.js';

describe('busyMs', () => {
  it('adds the busy fields of the aggregate cpu line, leaving idle and iowait out', () => {
    const stat = 'cpu  100 5 50 9000 40 3 2 1 0 0\ncpu0 50 2 25 4500 20 1 1 0 0 0\nintr 1 2 3\n';
    expect(busyMs(stat)).toBe((100 + 5 + 50 + 3 + 2 + 1) * 10);
  });

  it('rejects a file without that line', () => {
    expect(() => busyMs('intr 1 2 3\n')).toThrow(/no aggregate cpu line/);
  });
});
