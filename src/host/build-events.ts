// Every build event the host can read: each live session's event log and the archived logs of removed
// sessions. Written by sessions, so read bounded, with no link followed, and line by line: a line that
// is not an event is skipped.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_FILES } from '../lib/session-contract.js';
import { readSessionFile } from './session-files.js';

export interface HostEvent {
  /** ms since the epoch */
  timeMs: number;
  transfer?: string;
  kept?: string;
}

/** The most of one event log the host reads. */
const LOG_CAP = 64 * 1024 * 1024;

export interface EventLog {
  session: string;
  text: string;
}

/**
 * Every event log's text, with the session it is from: live sessions' (`sessions/<id>/events.jsonl`)
 * and removed sessions' (`events/<id>.jsonl`). One that is a link, not a file or too large is left out.
 */
export async function readEventLogs(stateDir: string): Promise<EventLog[]> {
  const files = [
    ...(await readdir(join(stateDir, 'sessions')).catch(() => [] as string[])).map((s) => ({ session: s, file: join(stateDir, 'sessions', s, DATA_FILES.events) })),
    ...(await readdir(join(stateDir, 'events')).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).map((f) => ({ session: f.slice(0, -'.jsonl'.length), file: join(stateDir, 'events', f) })),
  ];
  const logs: EventLog[] = [];
  for (const { session, file } of files) {
    const text = await readSessionFile(file, LOG_CAP).catch(() => undefined);
    if (text) logs.push({ session, text });
  }
  return logs;
}

export async function readHostEvents(stateDir: string): Promise<HostEvent[]> {
  const out: HostEvent[] = [];
  for (const { text } of await readEventLogs(stateDir)) {
    for (const line of text.split('\n')) {
      try {
        const e = JSON.parse(line) as { time?: unknown; transfer?: unknown; kept?: unknown };
        const timeMs = typeof e.time === 'string' ? Date.parse(e.time) : NaN;
        if (!Number.isFinite(timeMs)) continue;
        out.push({ timeMs, ...(typeof e.transfer === 'string' ? { transfer: e.transfer } : {}), ...(typeof e.kept === 'string' ? { kept: e.kept } : {}) });
      } catch {
        // not an event line
      }
    }
  }
  return out;
}
