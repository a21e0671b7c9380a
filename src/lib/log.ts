// pino with two synchronous destinations (transports crash inside a single-file bundle): every record
// as JSON to a log file, and a short human line on stderr for info and above.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

function humanStream(prefix: string): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        const rec = JSON.parse(chunk.toString()) as { level: number; msg?: string; ms?: number; err?: { message?: string } };
        const took = typeof rec.ms === 'number' ? ` (${(rec.ms / 1000).toFixed(1)}s)` : '';
        const err = rec.err?.message && !rec.msg?.includes(rec.err.message) ? `: ${rec.err.message}` : '';
        const tag = rec.level >= 50 ? 'error: ' : rec.level >= 40 ? 'warning: ' : '';
        process.stderr.write(`${prefix}: ${tag}${rec.msg ?? ''}${err}${took}\n`);
      } catch {
        process.stderr.write(chunk);
      }
      done();
    },
  });
}

export interface LogOptions {
  /** The program name shown on stderr lines. */
  name: string;
  /** JSON log file; omitted: stderr lines only. */
  file?: string;
  /** Print human lines on stderr (default true). */
  human?: boolean;
  level?: string;
}

export function createLogger(o: LogOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (o.file) {
    try {
      mkdirSync(dirname(o.file), { recursive: true });
      streams.push({ level: 'debug', stream: pino.destination({ dest: o.file, sync: true, append: true }) });
    } catch {
      // An unwritable log directory must not stop the program; the stderr lines still say what happened.
    }
  }
  if (o.human !== false) streams.push({ level: 'info', stream: humanStream(o.name) });
  return pino(
    { name: o.name, level: o.level ?? 'debug', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams),
  );
}
