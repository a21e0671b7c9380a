import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEvents, readAllEvents, renderStats, summarize } from '../../src/host/stats.js';

const line = (o: object) => JSON.stringify({ time: 't', project: 'p', tags: ['p/app:latest'], exitCode: 0, ...o });

describe('stats', () => {
  it("reads live and archived event logs, and no log a session's root made a link to a host file", async () => {
    const state = mkdtempSync(join(tmpdir(), 'helix-stats-'));
    try {
      const host = join(state, 'host-secret.jsonl');
      writeFileSync(host, `${line({ host: 'leak', path: 'skip', ms: 1 })}\n`);
      for (const s of ['live', 'linked']) mkdirSync(join(state, 'sessions', s), { recursive: true });
      writeFileSync(join(state, 'sessions', 'live', 'events.jsonl'), `${line({ path: 'skip', ms: 2 })}\n`);
      symlinkSync(host, join(state, 'sessions', 'linked', 'events.jsonl'));
      mkdirSync(join(state, 'events'));
      writeFileSync(join(state, 'events', 'gone.jsonl'), `${line({ path: 'facade', ms: 3 })}\n`);
      expect((await readAllEvents(state)).map((e) => e.session).sort()).toEqual(['gone', 'live']);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

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
