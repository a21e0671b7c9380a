// `helix stats`: the wrapper's per-build events summed up per session and for the sandbox. Events are
// read from live sessions' directories and from the archive removeSession keeps, through build-events'
// bounded reader that follows no link. Pure but for reading.
import { readEventLogs } from './build-events.js';
import type { BuildEvent } from '../wrapper/report/events.js';

/** A build event as the wrapper wrote it, with the session it came from. */
export type StatEvent = Pick<BuildEvent, 'project' | 'tags' | 'service' | 'path' | 'ms' | 'bytes' | 'moveMs' | 'downloadMs'> & { session: string };

export interface StatRow {
  scope: string;
  builds: number;
  paths: Record<string, number>;
  bytesMoved: number;
  buildMs: number;
  /** Against building each image cold: the slowest build of the same image in the events. */
  savedMs: number;
}

/** Lines that are not events (a torn last line, another tool's) are skipped, not fatal. */
export function parseEvents(text: string, session: string): StatEvent[] {
  const out: StatEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Partial<StatEvent> & { host?: string };
      if (typeof e.path !== 'string' || typeof e.ms !== 'number') continue;
      out.push({ session: e.host ?? session, project: e.project ?? 'default', tags: e.tags ?? [], service: e.service, path: e.path, ms: e.ms, bytes: e.bytes, ...(typeof e.moveMs === 'number' ? { moveMs: e.moveMs } : {}), ...(typeof e.downloadMs === 'number' ? { downloadMs: e.downloadMs } : {}) });
    } catch {
      // skipped
    }
  }
  return out;
}

function imageKey(e: StatEvent): string {
  return `${e.project}/${e.service ?? e.tags[0] ?? 'untagged'}`;
}

const SAVING_PATHS = new Set(['skip', 'tag', 'facade', 'registry']);

export function summarize(events: readonly StatEvent[]): StatRow[] {
  const cold = new Map<string, number>();
  for (const e of events) cold.set(imageKey(e), Math.max(cold.get(imageKey(e)) ?? 0, e.ms));
  const rows = new Map<string, StatRow>();
  const row = (scope: string) => {
    let r = rows.get(scope);
    if (!r) rows.set(scope, (r = { scope, builds: 0, paths: {}, bytesMoved: 0, buildMs: 0, savedMs: 0 }));
    return r;
  };
  for (const e of events) {
    for (const r of [row(`session ${e.session}`), row('sandbox')]) {
      r.builds += 1;
      r.paths[e.path] = (r.paths[e.path] ?? 0) + 1;
      r.bytesMoved += e.bytes ?? 0;
      r.buildMs += e.ms;
      if (SAVING_PATHS.has(e.path)) r.savedMs += Math.max(0, (cold.get(imageKey(e)) ?? e.ms) - e.ms);
    }
  }
  const sandbox = rows.get('sandbox');
  rows.delete('sandbox');
  return [...[...rows.values()].sort((a, b) => a.scope.localeCompare(b.scope)), ...(sandbox ? [sandbox] : [])];
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function renderStats(rows: readonly StatRow[]): string {
  if (!rows.length) return 'no builds recorded yet';
  const head = ['scope', 'builds', 'paths', 'moved', 'build time', 'saved'];
  const body = rows.map((r) => [
    r.scope,
    String(r.builds),
    Object.entries(r.paths).sort().map(([p, n]) => `${p} ${n}`).join(', '),
    mb(r.bytesMoved),
    `${(r.buildMs / 1000).toFixed(1)}s`,
    `${(r.savedMs / 1000).toFixed(1)}s`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Every event the host can see: live sessions' logs and the archive of removed sessions. */
export async function readAllEvents(stateDir: string): Promise<StatEvent[]> {
  return (await readEventLogs(stateDir)).flatMap((l) => parseEvents(l.text, l.session));
}
