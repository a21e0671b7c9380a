// Golden mode: run the project's startup script headless; on success remove what must not be in a
// golden (containers, networks, transfer references, dangling images); stop dockerd cleanly; only then
// write the result marker the host waits for; exit with the script's code.
import { access, constants } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { run } from '../lib/exec.js';
import { docker } from './docker.js';
import type { InitContext } from './context.js';
import { DEFAULT_DATA_ROOT } from './settings.js';
import { DATA_FILES } from '../lib/session-contract.js';

export interface GoldenResult {
  exitCode: number;
  ms: number;
  cleaned: boolean;
  finishedAt: string;
}

export function resultPath(ctx: InitContext): string {
  return ctx.settings.goldenResult ?? join(dirname(ctx.settings.dataRoot ?? DEFAULT_DATA_ROOT), DATA_FILES.goldenResult);
}

/** Best effort: what a docker call printed, or nothing if it failed. */
async function output(ctx: InitContext, args: string[]): Promise<string> {
  const r = await docker(ctx.cfg, args);
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

export async function cleanForGolden(ctx: InitContext): Promise<void> {
  const containers = (await output(ctx, ['ps', '-aq'])).split('\n').filter(Boolean);
  // Stopped first, so a container holding state (an inner dockerd on a volume) shuts down cleanly.
  const running = (await output(ctx, ['ps', '-q'])).split('\n').filter(Boolean);
  if (running.length) await output(ctx, ['stop', '--time', '30', ...running]);
  if (containers.length) await output(ctx, ['rm', '-f', ...containers]);
  await output(ctx, ['network', 'prune', '-f']);
  const transferHosts = [ctx.cfg.registry, ...(ctx.cfg.facade ? [ctx.cfg.facade] : [])].map((h) => `${h}/`);
  const refs = (await output(ctx, ['images', '--digests', '--format', '{{.Repository}}@{{.Digest}}']))
    .split('\n')
    .filter((r) => transferHosts.some((h) => r.startsWith(h)) && !r.endsWith('@<none>'));
  for (const ref of refs) await output(ctx, ['image', 'rm', ref]);
  await output(ctx, ['image', 'prune', '-f']);
  ctx.log.info({ containers: containers.length, transferRefs: refs.length }, `golden cleaned: ${containers.length} containers, ${refs.length} transfer references removed`);
}

/** `scriptOutput`: 'to-stderr' where init's stdout is not the container's (the step's is read by the entrypoint). */
export async function runGoldenMode(ctx: InitContext, scriptOutput: 'inherit' | 'to-stderr' = 'inherit'): Promise<number> {
  const script = ctx.settings.startupScript;
  const started = Date.now();
  let exitCode: number;
  if (!(await access(script, constants.R_OK).then(() => true, () => false))) {
    ctx.log.error(`golden mode: startup script ${script} not found`);
    exitCode = 127;
  } else {
    ctx.log.info(`golden mode: running ${script}`);
    exitCode = (await run('bash', ['-l', script], { inherit: scriptOutput === 'inherit' ? true : scriptOutput })).exitCode;
    ctx.log.info({ exitCode }, `golden mode: ${script} exited ${exitCode}`);
  }
  const cleaned = exitCode === 0;
  if (cleaned) await cleanForGolden(ctx);
  if (!ctx.dockerd) ctx.log.warn('golden mode: dockerd was not started by helix-init; it is left running');
  await ctx.dockerd?.stop();
  const result: GoldenResult = { exitCode, ms: Date.now() - started, cleaned, finishedAt: new Date().toISOString() };
  await writeFileAtomic(resultPath(ctx), `${JSON.stringify(result)}\n`);
  return exitCode;
}
