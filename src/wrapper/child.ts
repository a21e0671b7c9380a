// The wrapper's process layer. Plain child_process: it is on every build's hot path, and this is the
// variant measured to get signals right (TERM/HUP/QUIT forwarded, INT left to the terminal, which
// already sent it to the whole process group; a child killed by a signal re-raises it here).
import { spawn } from 'node:child_process';
import { lineSplitter } from '../lib/line-splitter.js';
import { ProgressSplitter, type Write } from './solve/progress-split.js';

const FORWARDED = ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export interface ChildResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** Only when stderr was captured. */
  stderr?: string;
}

/** Where a build's progress goes: buildx's stderr as it is, or as compose shows it (see progress-split). */
export type Progress = 'inherit' | 'compose';

export interface ChildOptions {
  /** 'inherit' shows the child's stdout to the user; 'stderr' shows it there; 'capture' returns it; 'ignore' drops it. */
  stdout?: 'inherit' | 'stderr' | 'capture' | 'ignore';
  stderr?: 'inherit' | 'ignore' | 'capture' | Progress;
  stdin?: 'inherit' | 'ignore';
  env?: NodeJS.ProcessEnv;
  /** Ends the child with SIGTERM when aborted; the result then reports that signal. */
  signal?: AbortSignal;
  /** Each whole line of progress shown as compose shows it, when the wrapper is the one splitting it. */
  onLine?: (line: string) => void;
}

export function runChild(cmd: string, args: readonly string[], o: ChildOptions = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const out = o.stdout ?? 'inherit';
    // On a terminal the child draws its progress on stdout itself; a pipe or file gets it split by line.
    const split = o.stderr === 'compose' && !process.stdout.isTTY ? new ProgressSplitter() : undefined;
    const errFd = o.stderr === 'compose' ? (split ? 'pipe' : 1) : o.stderr === 'capture' ? 'pipe' : (o.stderr ?? 'inherit');
    const child = spawn(cmd, args, {
      stdio: [o.stdin ?? 'inherit', out === 'capture' ? 'pipe' : out === 'stderr' ? 2 : out, errFd],
      env: o.env ?? process.env,
      signal: o.signal,
    });
    const chunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    const show = (writes: Write[]) => {
      for (const [stream, text] of writes) (stream === 'stdout' ? process.stdout : process.stderr).write(text);
    };
    if (split) {
      child.stderr?.setEncoding('utf8'); // a character split between chunks stays whole
      const lines = o.onLine ? lineSplitter(o.onLine) : undefined;
      child.stderr?.on('data', (c: string) => {
        show(split.push(c));
        lines?.push(c);
      });
      child.stderr?.on('end', () => lines?.end());
    } else child.stderr?.on('data', (c: Buffer) => errChunks.push(c));
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const handlers = FORWARDED.map((s) => [s, forward(s)] as const);
    const ignoreInt = () => {};
    for (const [s, h] of handlers) process.on(s, h);
    process.on('SIGINT', ignoreInt);
    const cleanup = () => {
      for (const [s, h] of handlers) process.off(s, h);
      process.off('SIGINT', ignoreInt);
    };
    child.on('error', (err) => {
      if (err.name === 'AbortError') return; // 'close' follows with the signal
      cleanup();
      reject(err);
    });
    child.on('close', (code, signal) => {
      cleanup();
      if (split) show(split.end());
      const stderr = o.stderr === 'capture' ? Buffer.concat(errChunks).toString() : undefined;
      resolve({ code: code ?? 128, signal, stdout: Buffer.concat(chunks).toString(), stderr });
    });
  });
}

/** Ends this process the way the child ended: same exit code, or the same signal. */
export function exitLike(r: ChildResult): never {
  if (r.signal) {
    process.kill(process.pid, r.signal);
  }
  process.exit(r.code);
}

/** Replaces this process with the real docker (Node ≥ 22.15), or runs it as a child and mirrors its end. */
export async function handOff(realDocker: string, argv: readonly string[]): Promise<never> {
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve === 'function') execve(realDocker, [realDocker, ...argv], process.env);
  exitLike(await runChild(realDocker, argv));
}
