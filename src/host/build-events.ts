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

export async function readHostEvents(stateDir: string): Promise<HostEvent[]> {
  const files = [
    ...(await readdir(join(stateDir, 'sessions')).catch(() => [] as string[])).map((s) => join(stateDir, 'sessions', s, DATA_FILES.events)),
    ...(await readdir(join(stateDir, 'events')).catch(() => [] as string[])).map((f) => join(stateDir, 'events', f)),
  ];
  const out: HostEvent[] = [];
  for (const f of files) {
    const text = await readSessionFile(f, 64 * 1024 * 1024).catch(() => undefined);
    for (const line of (text ?? '').split('\n')) {
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
