import { describe, expect, it } from 'vitest';
import { CASES, checkTargets, median, pairedMove, passthroughCase, syntheticDockerfile } from '../../src/harness/bench-load.js';

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
      { case: CASES.tarball, sizeGb: 2, medianMs: 10_000, runs: [] },
      { case: CASES.tarballChanged, sizeGb: 2, medianMs: 10_000, runs: [] },
      { case: CASES.skip, sizeGb: 2, medianMs: 200, runs: [] },
      { case: CASES.bare, sizeGb: 2, medianMs: 180, runs: [] },
      { case: CASES.registry, sizeGb: 2, medianMs: 900, runs: [] },
      { case: CASES.facade, sizeGb: 2, medianMs: 500, runs: [] },
      { case: CASES.bareSolved, sizeGb: 2, medianMs: 180, runs: [170, 200, 180] },
      { case: CASES.facadeSolved, sizeGb: 2, medianMs: 300, runs: [290, 320, 400] },
      { case: CASES.plainPull, sizeGb: 2, medianMs: 100, runs: [] },
      { case: CASES.registryGrowth, sizeGb: 2, medianMs: 0, runs: [], bytes: 0 },
      { case: CASES.ctrdFacade, sizeGb: 2, medianMs: 600, runs: [] },
      { case: CASES.ctrdRegistry, sizeGb: 2, medianMs: 900, runs: [] },
      { case: passthroughCase('ps', 'direct'), medianMs: 40, runs: [] },
      { case: passthroughCase('ps', 'wrapped'), medianMs: 42, runs: [] },
    ];
    expect(checkTargets(rows)).toEqual([
      { target: '2 GB unchanged ≥40x faster than tarball', value: '50.0x', ok: true },
      { target: '2 GB unchanged ≤1.3x bare solve', value: '1.11x', ok: true },
      { target: '2 GB unchanged ≤1.1x bare solve (no push)', value: '1.11x', ok: false },
      { target: '2 GB changed layer ≥15x faster than tarball', value: '20.0x', ok: true },
      { target: '2 GB changed layer through the registry vs tarball', value: '11.1x', ok: true, info: true },
      { target: '2 GB changed layer, classic store: registry path vs facade', value: '1.80x', ok: true, info: true },
      { target: '2 GB changed layer, containerd store: registry path vs facade', value: '1.50x', ok: true, info: true },
      { target: '2 GB changed layer moved ≤1.2x a plain docker pull of it (120 vs 100 ms)', value: '1.20x', ok: true },
      { target: '2 GB no registry bytes written by facade builds', value: '0.0 MB', ok: true },
      { target: 'docker ps passthrough ≤5 ms over direct', value: '2.0 ms', ok: true },
    ]);
  });

  it('takes the move as the median of each facade build less the bare solve just before it', () => {
    expect(pairedMove([290, 320, 400], [170, 200, 180])).toBe(120);
    expect(pairedMove([100], [150])).toBe(0);
    expect(pairedMove([100, 200], [90])).toBeUndefined();
  });

  it('judges the bench image (2 GB and up) and shows a smaller image\'s ratios as information', () => {
    const at1 = [
      { case: CASES.tarball, sizeGb: 1, medianMs: 5_000, runs: [] },
      { case: CASES.skip, sizeGb: 1, medianMs: 200, runs: [] },
      { case: CASES.bare, sizeGb: 1, medianMs: 180, runs: [] },
    ];
    expect(checkTargets(at1)).toEqual([
      { target: '1 GB unchanged ≥40x faster than tarball', value: '25.0x', ok: false, info: true },
      { target: '1 GB unchanged ≤1.3x bare solve', value: '1.11x', ok: true, info: true },
      { target: '1 GB unchanged ≤1.1x bare solve (no push)', value: '1.11x', ok: false, info: true },
    ]);
  });

  it('shows the full moves against one sequential write of their bytes, measured in the same run, as information', () => {
    const rows = [
      { case: CASES.tarball, sizeGb: 4, medianMs: 32_000, runs: [] },
      { case: CASES.diskWrite, sizeGb: 4, medianMs: 8_000, runs: [] },
      { case: CASES.diskCopy, sizeGb: 4, medianMs: 12_000, runs: [] },
    ];
    expect(checkTargets(rows)).toEqual([
      { target: '4 GB tarball load vs one sequential write of its bytes (512 MB/s)', value: '4.0x', ok: true, info: true },
      { target: '4 GB cp of the same bytes vs one sequential write', value: '1.5x', ok: true, info: true },
    ]);
  });
});
