// Keeps a daemon (dockerd, and the containerd it runs on) running: started once, restarted with backoff
// if it dies after boot, and stopped cleanly (SIGTERM, then SIGKILL after a grace period) when the
// container stops; a daemon another one needs is stopped after it.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import type { Logger } from '../lib/log.js';

export function restartDelayMs(restarts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, restarts - 1));
}

export class DaemonSupervisor {
  private child?: ChildProcess;
  private stopping = false;
  /** The process could not be started at all (no such binary): it has no exit to wait for. */
  private failed = false;
  /** Off during boot: a dockerd that dies while starting is an error to report, not to retry. */
  autoRestart = false;
  restarts = 0;
  lastExit?: number | null;

  /** `needs`: the daemon this one runs on, stopped after it. */
  constructor(
    private readonly logPath: string,
    private readonly log: Logger,
    private readonly bin = 'dockerd',
    private readonly args: readonly string[] = [],
    readonly needs?: DaemonSupervisor,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && !this.failed && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const out = openSync(this.logPath, 'a');
    const child = spawn(this.bin, this.args, { stdio: ['ignore', out, out] });
    this.child = child;
    this.failed = false;
    child.on('error', (err) => {
      this.failed = true;
      this.log.error({ err }, `cannot start ${this.bin}`);
    });
    child.on('exit', (code, signal) => {
      this.lastExit = code ?? (signal ? -1 : null);
      if (this.stopping || !this.autoRestart) return;
      this.restarts += 1;
      const delay = restartDelayMs(this.restarts);
      this.log.warn({ code, signal, restarts: this.restarts }, `${this.bin} exited (${code ?? signal}); restarting in ${delay / 1000}s`);
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, delay).unref();
    });
  }

  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && this.running) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    await this.needs?.stop(graceMs);
  }
}
