// One JSON line per build in the event log, for later statistics. Best effort: a build never fails
// because its event could not be written.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface BuildEvent {
  time: string;
  host: string;
  project: string;
  tags: string[];
  /** skip | tag | registry | tarball | local | failed */
  path: string;
  ms: number;
  bytes?: number;
  digest?: string;
  exitCode: number;
}

export async function appendEvent(file: string, e: BuildEvent): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    // One write of one line with O_APPEND: concurrent builds do not interleave.
    await appendFile(file, `${JSON.stringify(e)}\n`, { mode: 0o666 });
  } catch {
    // No event log (read-only state dir, another user's file): the status line still says it all.
  }
}
