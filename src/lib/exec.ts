// The one place that runs processes: argv arrays only, never shell strings.
import { execa, type Options } from 'execa';
import { HelixError } from './errors.js';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /**
   * Pass the child's output straight through to ours instead of capturing it; 'to-stderr' sends its
   * stdout to our stderr (where our own stdout is read by someone else).
   */
  inherit?: boolean | 'to-stderr';
}

function execaOptions(o: RunOptions): Options {
  return {
    reject: false,
    input: o.input,
    env: o.env,
    cwd: o.cwd,
    timeout: o.timeoutMs,
    stdio: o.inherit === 'to-stderr' ? ['inherit', 2, 'inherit'] : o.inherit ? 'inherit' : 'pipe',
    stripFinalNewline: true,
  };
}

/** Runs a command and reports how it ended; never throws for a non-zero exit. */
export async function run(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const r = await execa(cmd, args, execaOptions(o));
  if (r.failed && r.exitCode === undefined) {
    // It never ran, or was killed by us (timeout): not an exit code the caller can reason about.
    const why = r.timedOut ? `timed out after ${o.timeoutMs} ms` : r.shortMessage;
    throw new HelixError('COMMAND_FAILED', `${cmd} ${args.join(' ')}: ${why}`, undefined, { cause: r });
  }
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Runs a command that must succeed; the error names the command and its last stderr line. */
export async function runOk(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, o);
  if (r.exitCode !== 0) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    throw new HelixError('COMMAND_FAILED', `${cmd} ${args.join(' ')} exited ${r.exitCode}${last ? `: ${last}` : ''}`);
  }
  return r;
}
