// Starts dockerd (unless one already answers) and waits until it does.
import { accessSync, constants, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { engineSocket } from '../../lib/engine-endpoint.js';
import { pingSocket } from '../../lib/engine-ping.js';
import { HelixError } from '../../lib/errors.js';
import { docker } from '../docker.js';
import type { InitContext, Step } from '../context.js';
import { DockerdSupervisor } from '../dockerd.js';

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
    const dockerd = new DockerdSupervisor(ctx.paths.dockerdLog, ctx.log);
    ctx.dockerd = dockerd;
    dockerd.start();
    const deadline = Date.now() + ctx.settings.dockerdTimeoutS * 1000;
    while (Date.now() < deadline) {
      if (!dockerd.running) {
        throw new HelixError('NOT_READY', `dockerd exited (${dockerd.lastExit}) while starting: ${lastLines(ctx.paths.dockerdLog, 3)}`, `see ${ctx.paths.dockerdLog}`);
      }
      if (await answers(ctx)) {
        dockerd.autoRestart = true;
        ctx.log.info({ pid: dockerd.pid }, `dockerd ready (pid ${dockerd.pid})`);
        return;
      }
      await sleep(100);
    }
    throw new HelixError('NOT_READY', `dockerd did not answer within ${ctx.settings.dockerdTimeoutS}s: ${lastLines(ctx.paths.dockerdLog, 3)}`, `see ${ctx.paths.dockerdLog}`);
  },
};
