// The main job end to end at a small scale: every phase runs against the real stack; the test asserts
// the table's structure, the files written and the digest checks, not the timings.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMainJob, SMALL_SCALE } from '../../src/host/main-job.js';
import { readAllEvents, summarize } from '../../src/host/stats.js';
import { deps } from './helpers.js';

const out = mkdtempSync(join(tmpdir(), 'helix-main-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('main job (small scale)', () => {
  it('runs every phase, checks every session’s image ids, and writes the table, JSON and chart', async () => {
    const r = await runMainJob(deps, { sampleDir: resolve('samples/stack'), outDir: out, scale: SMALL_SCALE, concurrent: 4 });

    const failed = r.digests.filter((d) => !d.ok);
    expect(failed, JSON.stringify(failed)).toEqual([]);
    // cold = inner, warm, golden before and after startup, the change, one session, four at once
    expect(r.digests).toHaveLength(10);

    const lines = r.table.split('\n');
    expect(lines[0]).toMatch(/^\| phase +\| +before \| +after \| speedup \|$/);
    expect(lines).toHaveLength(2 + 8);
    for (const l of lines.slice(2)) expect(l).toMatch(/^\| .+ \| +(—|\d\S*) \| +\d\S* \| +(—|\d+(\.\d)?x) \|$/);

    const json = JSON.parse(readFileSync(r.files.json, 'utf8')) as { rows: unknown[]; targets: Array<{ target: string; ok: boolean }>; digests: unknown[] };
    expect(json.rows).toHaveLength(8);
    expect(json.targets.map((t) => t.target)).toHaveLength(4);
    expect(readFileSync(r.files.svg, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    expect(r.measurements.change.layer).toMatch(/^RUN gcc -O2 -o \/usr\/local\/bin\/engine/);

    // The sessions are gone; their build events were archived for `helix stats`.
    const rows = summarize(await readAllEvents(deps.cfg.stateDir));
    const cold = rows.find((x) => x.scope === 'session main-cold');
    expect(cold?.builds).toBeGreaterThanOrEqual(5);
    expect(rows.find((x) => x.scope === 'session main-c4')?.paths.skip).toBeGreaterThanOrEqual(3);
  });
});
