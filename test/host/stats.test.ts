import { describe, expect, it } from 'vitest';
import { parseEvents, renderStats, summarize } from '../../src/host/stats.js';

const line = (o: object) => JSON.stringify({ time: 't', project: 'p', tags: ['p/app:latest'], exitCode: 0, ...o });

describe('stats', () => {
  it('skips lines that are not events', () => {
    const text = [line({ host: 'a', path: 'skip', ms: 500 }), '{"torn', 'not json', line({ host: 'a', ms: 1 })].join('\n');
    expect(parseEvents(text, 'file')).toHaveLength(1);
  });

  it('sums per session and for the sandbox; time saved is against the cold build of the same image', () => {
    const events = parseEvents(
      [
        line({ host: 'a', service: 'engine', path: 'registry', ms: 60_000, bytes: 100 * 1024 * 1024 }),
        line({ host: 'b', service: 'engine', path: 'registry', ms: 5_000, bytes: 100 * 1024 * 1024 }),
        line({ host: 'b', service: 'engine', path: 'skip', ms: 500 }),
        line({ host: 'b', service: 'web', path: 'failed', ms: 200 }),
      ].join('\n'),
      'x',
    );
    const rows = summarize(events);
    expect(rows.map((r) => r.scope)).toEqual(['session a', 'session b', 'sandbox']);
    const b = rows[1];
    expect(b?.paths).toEqual({ registry: 1, skip: 1, failed: 1 });
    expect(b?.savedMs).toBe(55_000 + 59_500);
    expect(rows[2]?.builds).toBe(4);
    expect(rows[2]?.bytesMoved).toBe(200 * 1024 * 1024);
    const table = renderStats(rows).split('\n');
    expect(table[0]).toMatch(/^scope +builds +paths +moved +build time +saved$/);
    expect(table[3]).toMatch(/^session b +3 +failed 1, registry 1, skip 1 +100\.0 MB +5\.7s +114\.5s$/);
  });

  it('says so when there is nothing', () => {
    expect(renderStats([])).toBe('no builds recorded yet');
  });
});
