// After boot: runs the image's next step as a child, forwards signals to it, and when it ends stops
// dockerd cleanly (a data-root killed mid-write is a broken golden) and exits with the child's code.
// Meanwhile it follows the credentials the host gives the container (credentials-watch.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import type { InitContext } from './context.js';
import { watchCredentials } from './credentials-watch.js';

export async function supervise(ctx: InitContext, next: readonly string[]): Promise<number> {
  let child: ChildProcess | undefined;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    stopping = true;
    if (child) child.kill(sig);
    else void (ctx.dockerd?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  };
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, onSignal);
  watchCredentials(ctx);

  if (next.length === 0) {
    // Nothing to hand off to: stay up as dockerd's parent until told to stop. The interval keeps the
    // process alive while dockerd is down between a crash and its restart (that timer is unref'd).
    return new Promise(() => setInterval(() => undefined, 3_600_000));
  }
  const [cmd, ...args] = next as [string, ...string[]];
  child = spawn(cmd, args, { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => {
    child?.on('error', (err) => {
      ctx.log.error({ err }, `cannot run ${cmd}`);
      resolve(127);
    });
    child?.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? osSignal(sig) : 0)));
  });
  ctx.log.info({ code, stopping }, `${cmd} exited ${code}; stopping dockerd`);
  await ctx.dockerd?.stop();
  return code;
}

function osSignal(sig: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[sig] ?? 0;
}
