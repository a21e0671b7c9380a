import { describe, expect, it } from 'vitest';
import { checkTargets, median, syntheticDockerfile } from '../../src/host/bench-load.js';

describe('load bench', () => {
  it('takes medians of odd and even runs', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('writes a synthetic Dockerfile with the requested layers and a cheap top layer', () => {
    const df = syntheticDockerfile(2, 40, 's');
    expect(df.match(/^RUN head -c 51M \/dev\/urandom/gm)).toHaveLength(40);
    expect(df).toMatch(/ARG TOP=0\nRUN echo "\$TOP" > \/top\n$/);
  });

  it('checks the targets as ratios of the same run', () => {
    const rows = [
      { case: 'unchanged: tarball load', sizeGb: 2, medianMs: 10_000, runs: [] },
      { case: 'one changed top layer: tarball load', sizeGb: 2, medianMs: 10_000, runs: [] },
      { case: 'unchanged: skip', sizeGb: 2, medianMs: 200, runs: [] },
      { case: 'bare cached solve, no export', sizeGb: 2, medianMs: 180, runs: [] },
      { case: 'one changed top layer: registry', sizeGb: 2, medianMs: 900, runs: [] },
      { case: 'docker ps: direct', medianMs: 40, runs: [] },
      { case: 'docker ps: through wrapper', medianMs: 42, runs: [] },
    ];
    expect(checkTargets(rows)).toEqual([
      { target: '2 GB unchanged ≥40x faster than tarball', value: '50.0x', ok: true },
      { target: '2 GB unchanged ≤1.3x bare solve', value: '1.11x', ok: true },
      { target: '2 GB changed layer ≥15x faster than tarball', value: '11.1x', ok: false },
      { target: 'docker ps passthrough ≤5 ms over direct', value: '2.0 ms', ok: true },
    ]);
  });

  it('judges the bench image (2 GB and up) and shows a smaller image\'s ratios as information', () => {
    const at1 = [
      { case: 'unchanged: tarball load', sizeGb: 1, medianMs: 5_000, runs: [] },
      { case: 'unchanged: skip', sizeGb: 1, medianMs: 200, runs: [] },
      { case: 'bare cached solve, no export', sizeGb: 1, medianMs: 180, runs: [] },
    ];
    expect(checkTargets(at1)).toEqual([
      { target: '1 GB unchanged ≥40x faster than tarball', value: '25.0x', ok: false, info: true },
      { target: '1 GB unchanged ≤1.3x bare solve', value: '1.11x', ok: true, info: true },
    ]);
  });
});
