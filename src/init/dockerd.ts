// Keeps dockerd running: started once, restarted with backoff if it dies after boot, and stopped
// cleanly (SIGTERM, then SIGKILL after a grace period) when the container stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import type { Logger } from '../lib/log.js';

export function restartDelayMs(restarts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, restarts - 1));
}

export class DockerdSupervisor {
  private child?: ChildProcess;
  private stopping = false;
  /** Off during boot: a dockerd that dies while starting is an error to report, not to retry. */
  autoRestart = false;
  restarts = 0;
  lastExit?: number | null;

  constructor(
    private readonly logPath: string,
    private readonly log: Logger,
    private readonly bin = 'dockerd',
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const out = openSync(this.logPath, 'a');
    const child = spawn(this.bin, [], { stdio: ['ignore', out, out] });
    this.child = child;
    child.on('error', (err) => this.log.error({ err }, `cannot start ${this.bin}`));
    child.on('exit', (code, signal) => {
      this.lastExit = code ?? (signal ? -1 : null);
      if (this.stopping || !this.autoRestart) return;
      this.restarts += 1;
      const delay = restartDelayMs(this.restarts);
      this.log.warn({ code, signal, restarts: this.restarts }, `dockerd exited (${code ?? signal}); restarting in ${delay / 1000}s`);
      setTimeout(() => {
        if (!this.stopping) this.start();
      }, delay).unref();
    });
  }

  stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
