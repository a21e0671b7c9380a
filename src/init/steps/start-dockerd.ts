// Starts dockerd (unless one already answers), on a containerd started just before it, and waits until
// dockerd answers.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { engineSocket } from '../../lib/engine-endpoint.js';
import { pingSocket } from '../../lib/engine-ping.js';
import { HelixError } from '../../lib/errors.js';
import { docker } from '../docker.js';
import type { InitContext, Step } from '../context.js';
import { containerdPlan, type ContainerdPlan } from '../containerd.js';
import { DaemonSupervisor } from '../dockerd.js';

/** dockerd answers: asked on its socket when it is a local one, else through the docker CLI. */
async function answers(ctx: InitContext): Promise<boolean> {
  const socket = engineSocket({ tls: false }, { DOCKER_HOST: ctx.settings.dockerHost });
  if (socket) return pingSocket(socket);
  const r = await docker(ctx.cfg, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 10_000 }).catch(() => undefined);
  return r?.exitCode === 0;
}

function lastLines(path: string, n: number): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-n).join(' | ');
  } catch {
    return '(no log)';
  }
}

/**
 * Pid files a killed dockerd and containerd left (a container stopped with SIGKILL, as one whose PID 1
 * is the desktop's own process is): after a restart their pids can belong to anything, and dockerd
 * refuses to start over a pid file whose process exists. Removed unless that process is the daemon.
 */
export function removeStalePidFiles(files: ReadonlyArray<[string, string]> = [['/var/run/docker.pid', 'dockerd'], ['/var/run/docker/containerd/containerd.pid', 'containerd']]): string[] {
  const removed: string[] = [];
  for (const [file, comm] of files) {
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue;
    }
    let running = '';
    try {
      running = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      // no such process
    }
    if (running !== comm) {
      rmSync(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}

/** daemon.json's keys as dockerd will read them; none if it is missing or unreadable (dockerd then says why). */
function daemonJsonKeys(path: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Starts containerd and waits until its socket is there: dockerd's first dial then finds it. If it
 * cannot (no containerd binary, a bad state directory), undefined after a warning: dockerd then starts
 * its own, as it would without init.
 */
async function startContainerd(ctx: InitContext, plan: ContainerdPlan, deadline: number): Promise<DaemonSupervisor | undefined> {
  mkdirSync(dirname(plan.configPath), { recursive: true });
  writeFileSync(plan.configPath, plan.config);
  // A socket left by a killed boot would look ready before containerd listens.
  rmSync(plan.socket, { force: true });
  const containerd = new DaemonSupervisor(ctx.paths.dockerdLog, ctx.log, 'containerd', ['--config', plan.configPath]);
  containerd.start();
  while (Date.now() < deadline) {
    if (!containerd.running) break;
    if (existsSync(plan.socket)) return containerd;
    await sleep(10);
  }
  await containerd.stop(5_000);
  ctx.log.warn(`containerd did not start (${lastLines(ctx.paths.dockerdLog, 2)}); dockerd starts its own`);
  return undefined;
}

export const startDockerd: Step = {
  name: 'dockerd',
  async run(ctx) {
    try {
      accessSync(ctx.cfg.realDocker, constants.X_OK);
    } catch {
      throw new HelixError('NOT_FOUND', `no docker CLI at ${ctx.cfg.realDocker}`, 'install it (Debian: docker-cli) or set HELIX_REAL_DOCKER');
    }
    if (await answers(ctx)) {
      ctx.log.info('dockerd already running');
      return;
    }
    const stale = removeStalePidFiles();
    if (stale.length) ctx.log.info(`removed stale ${stale.join(', ')}`);
    const deadline = Date.now() + ctx.settings.dockerdTimeoutS * 1000;
    const plan = containerdPlan(daemonJsonKeys(ctx.paths.daemonJson));
    const containerd = plan ? await startContainerd(ctx, plan, deadline) : undefined;
    const dockerd = new DaemonSupervisor(ctx.paths.dockerdLog, ctx.log, 'dockerd', containerd && plan ? ['--containerd', plan.socket] : [], containerd);
    ctx.dockerd = dockerd;
    dockerd.start();
    try {
      while (Date.now() < deadline) {
        if (!dockerd.running) {
          throw new HelixError('NOT_READY', `dockerd exited (${dockerd.lastExit}) while starting: ${lastLines(ctx.paths.dockerdLog, 3)}`, `see ${ctx.paths.dockerdLog}`);
        }
        if (await answers(ctx)) {
          dockerd.autoRestart = true;
          if (containerd) containerd.autoRestart = true;
          ctx.log.info({ pid: dockerd.pid }, `dockerd ready (pid ${dockerd.pid})`);
          return;
        }
        await sleep(100);
      }
      throw new HelixError('NOT_READY', `dockerd did not answer within ${ctx.settings.dockerdTimeoutS}s: ${lastLines(ctx.paths.dockerdLog, 3)}`, `see ${ctx.paths.dockerdLog}`);
    } catch (err) {
      await dockerd.stop(5_000); // and the containerd it was to run on
      throw err;
    }
  },
};
