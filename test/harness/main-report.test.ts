import { describe, expect, it } from 'vitest';
import { renderChart } from '../../src/harness/chart.js';
import { compareDigests, renderTable, rowsOf, targetsOf, type Measurements } from '../../src/harness/main-report.js';

const m: Measurements = {
  sandboxUpMs: 900,
  plain: { coldMs: 300_000, rerunMs: 8_000, changeMs: 12_000 },
  coldMs: 320_000,
  warmNewMs: 40_000,
  warmRerun: { ms: 3_000, skipChecksMs: 2_400, skips: 5 },
  goldenBuildMs: 60_000,
  dockerdStartMs: 2_000,
  fromGolden: { imagesPresentMs: 2_500, startupMs: 4_000 },
  change: { ms: 4_000, layerMs: 2_500, layer: 'RUN gcc -O2 -o /usr/local/bin/engine' },
  singleMs: 9_000,
  concurrent: { ms: 12_000, sessions: 4, cpuMsPerSession: 4_000, cores: 2, addedBytes: 100 * 2 ** 20, goldenBytes: 1000 * 2 ** 20 },
  diskWriteMBps: 500,
  warmMove: { bytes: 2100 * 2 ** 20, ms: 7_000, path: 'facade' },
};

describe('main job report', () => {
  it('has one row per phase of the issue, with before, after and speedup', () => {
    const rows = rowsOf(m);
    expect(rows.map((r) => r.phase)).toEqual([
      'first session, cold shared cache',
      'new session, warm shared cache, no golden',
      'warm session, all images unchanged',
      'golden build',
      'new session from golden: images present',
      'new session from golden: startup done',
      'one-line change, docker compose build',
      '4 sessions at once, from golden',
    ]);
    const table = renderTable(rows).split('\n');
    expect(table[0]).toMatch(/^\| phase +\| +before \| +after \| speedup \|$/);
    expect(table).toHaveLength(rows.length + 2);
    expect(table.find((l) => l.includes('images present'))).toMatch(/5m00s \| +2\.5s \| +120x \|$/);
    expect(table.find((l) => l.includes('golden build'))).toMatch(/— \| +1m00s \| +— \|$/);
  });

  it('checks each target against the numbers of the same run', () => {
    const t = targetsOf(m);
    expect(t.map((x) => x.ok)).toEqual([true, true, true, false, true, false, true, true]);
    expect(t[0]?.value).toBe('2.5s vs 2.0s = 1.25x');
    expect(t[1]?.value).toBe('3.0s vs 3.4s (5 skips, 2.4s)');
    expect(t[3]?.value).toBe('5m20s vs 5m00s = 0.94x');
    expect(t[4]?.value).toBe('2100 MB in 7.0s by facade = 300 MB/s vs 500 MB/s (0.60x)');
    const split = targetsOf({ ...m, warmMove: { ...m.warmMove, ms: 20_000, downloadMs: 5_000 } as Measurements['warmMove'] })[4];
    expect(split?.value).toBe('2100 MB in 20.0s by facade = 105 MB/s vs 500 MB/s (0.21x); downloaded in 5.0s (420 MB/s), the daemon extracting until the end');
    expect(split?.ok).toBe(false);
    expect(t[5]?.value).toBe('12.0s vs 8.0s = 1.50x');
    expect(t[6]?.value).toBe('golden 1000 MB + 100 MB added = 1.10x');
    // 4 × 4 s of CPU on 2 cores: no less than 8 s; 1.5 × 9 s allows 16 s of CPU, so 2 cores suffice.
    expect(t[7]?.value).toBe('12.0s vs 9.0s = 1.33x (CPU floor: 4 × 4.0s of machine CPU on 2 cores = 8.0s, 0.89x; 1.5x needs 2+ cores)');
    const slow = targetsOf({ ...m, warmRerun: { ...m.warmRerun, ms: 3_500 }, concurrent: { ...m.concurrent, ms: 14_000 } });
    expect(slow.map((x) => x.ok)).toEqual([true, false, true, false, true, false, true, false]);
  });

  it('names the images whose ids differ', () => {
    expect(compareDigests('x', { a: 'sha256:111111111111111111', b: 'sha256:2' }, { a: 'sha256:111111111111111111', b: 'sha256:3' })).toEqual({
      what: 'x',
      ok: false,
      detail: 'differ: b 3',
    });
    expect(compareDigests('x', { a: 'sha256:1' }, { a: 'sha256:1' }).ok).toBe(true);
    expect(compareDigests('x', {}, {}).ok).toBe(false);
  });

  it('draws a bar pair per phase, with before bars only where there is a before', () => {
    const svg = renderChart(rowsOf(m), 'title <x>', 'sub');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('title &lt;x&gt;');
    expect(svg.match(/fill="#2f7ed8"><title>after/g)).toHaveLength(8);
    expect(svg.match(/fill="#b0b0b0"><title>before/g)).toHaveLength(7);
  });
});
